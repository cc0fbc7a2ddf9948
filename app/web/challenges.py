"""Challenges: the member's list, a new challenge, one challenge's standings; join with the
stake, decline, invite more friends, cancel. Forms post and redirect (no JavaScript needed)."""

from __future__ import annotations

from datetime import timedelta

from flask import flash, redirect, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import DateField, IntegerField, SelectField, SelectMultipleField, StringField

# types-WTForms (3.2) predates SelectChoice, added in WTForms 3.3.
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]
from wtforms.validators import InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.backoffice.settings import get_settings
from app.core.errors import DomainError
from app.gamification import challenges
from app.steps.sync import member_today
from app.web import bp
from app.web.forms import apply_errors
from app.web.rendering import render_page

GOAL_CHOICES = [SelectChoice(goal, label) for goal, label in challenges.GOAL_LABELS.items()]


class FriendChecklist(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def friend_choices(people: list[tuple[int, str]]) -> list[SelectChoice]:
    return [SelectChoice(str(user_id), name) for user_id, name in people]


class ChallengeForm(FlaskForm):
    name = StringField("Name", validators=[InputRequired(), Length(max=80)])
    goal_type = SelectField("Goal", choices=GOAL_CHOICES, default="most_steps")
    target_steps = IntegerField(
        "Target steps",
        validators=[Optional(), NumberRange(min=1, max=challenges.MAX_TARGET_STEPS)],
        description="For a target: total steps to reach. For a daily goal: steps every day.",
    )
    start_date = DateField("First day", validators=[InputRequired()])
    end_date = DateField("Last day", validators=[InputRequired()])
    stake_coins = IntegerField(
        "Stake per person (coins)",
        default=0,
        validators=[Optional(), NumberRange(min=0)],
        description="Frozen from each wallet on joining; 0 for a friendly challenge.",
    )
    max_participants = IntegerField(
        "Most members", default=10, validators=[Optional(), NumberRange(min=2)]
    )
    invite_user_ids = FriendChecklist("Invite friends", coerce=int, validate_choice=False)


class InviteForm(FlaskForm):
    invite_user_ids = FriendChecklist("Invite friends", coerce=int, validate_choice=False)


def _new_form(form: ChallengeForm | None = None) -> ChallengeForm:
    if form is None:
        tomorrow = member_today(current_user) + timedelta(days=1)
        form = ChallengeForm(
            formdata=None, start_date=tomorrow, end_date=tomorrow + timedelta(days=6)
        )
    form.invite_user_ids.choices = friend_choices(challenges.invitable_friends(current_user.id))
    return form


@bp.get("/challenges")
@login_required
def challenges_page() -> Response:
    return render_page("web/challenges.html", items=challenges.my_challenges(current_user.id))


def _render_new(form: ChallengeForm, status: int = 200) -> Response:
    return render_page(
        "web/challenge_new.html",
        status=status,
        form=form,
        max_stake=get_settings().challenge_max_stake,
        remainder_rule=challenges.REMAINDER_RULE,
    )


@bp.get("/challenges/new")
@login_required
def new_challenge() -> Response:
    return _render_new(_new_form())


@bp.post("/challenges/new")
@login_required
def create_challenge() -> Response:
    form = _new_form(ChallengeForm())
    # Both dates are InputRequired: a form that validated has them.
    if form.validate_on_submit() and form.start_date.data and form.end_date.data:
        try:
            challenge = challenges.create_challenge(
                current_user.id,
                name=form.name.data or "",
                goal_type=form.goal_type.data,
                target_steps=form.target_steps.data,
                start_date=form.start_date.data,
                end_date=form.end_date.data,
                stake_coins=form.stake_coins.data or 0,
                max_participants=form.max_participants.data,
                invite_user_ids=form.invite_user_ids.data or [],
            )
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            flash("Challenge created: your friends are invited.", "success")
            return redirect(url_for("web.challenge_page", challenge_id=challenge.id))
    return _render_new(form, 422)


def _render_challenge(
    challenge_id: int,
    status: int = 200,
    *,
    invite_form: InviteForm | None = None,
    join_error: str | None = None,
) -> Response:
    view = challenges.view(current_user.id, challenge_id)
    invite_form = invite_form or InviteForm(formdata=None)
    invite_form.invite_user_ids.choices = friend_choices(view.invitable_friends)
    return render_page(
        "web/challenge.html",
        status=status,
        v=view,
        invite_form=invite_form,
        settle_days=get_settings().challenge_settle_days,
        join_error=join_error,
    )


@bp.get("/challenges/<int:challenge_id>")
@login_required
def challenge_page(challenge_id: int) -> Response:
    return _render_challenge(challenge_id)


@bp.post("/challenges/<int:challenge_id>/join")
@login_required
def join_challenge(challenge_id: int) -> Response:
    try:
        challenges.join(current_user.id, challenge_id)
    except DomainError as exc:
        if exc.status == 404:
            raise
        # The page again, with the reason beside the join button.
        return _render_challenge(challenge_id, exc.status, join_error=exc.message)
    flash("You are in. Good luck!", "success")
    return redirect(url_for("web.challenge_page", challenge_id=challenge_id))


@bp.post("/challenges/<int:challenge_id>/decline")
@login_required
def decline_challenge(challenge_id: int) -> Response:
    challenges.decline(current_user.id, challenge_id)
    flash("Invitation declined.", "info")
    return redirect(url_for("web.challenges_page"))


@bp.post("/challenges/<int:challenge_id>/cancel")
@login_required
def cancel_challenge(challenge_id: int) -> Response:
    challenges.cancel(current_user.id, challenge_id)
    flash("Challenge cancelled: every stake is back in its wallet.", "info")
    return redirect(url_for("web.challenge_page", challenge_id=challenge_id))


@bp.post("/challenges/<int:challenge_id>/invite")
@login_required
def invite_to_challenge(challenge_id: int) -> Response:
    form = InviteForm()
    if form.validate_on_submit():
        try:
            challenges.invite(current_user.id, challenge_id, form.invite_user_ids.data or [])
        except DomainError as exc:
            if exc.status == 404:
                raise
            apply_errors(form, exc)
        else:
            flash("Invited.", "success")
            return redirect(url_for("web.challenge_page", challenge_id=challenge_id))
    return _render_challenge(challenge_id, 422, invite_form=form)

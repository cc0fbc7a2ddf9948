// The WebAuthn ceremonies for passkeys: register one in /settings, sign in from /login.
// The server makes the options and checks the answer; this file only carries them between
// it and the browser's authenticator. No inline script: buttons carry data-* attributes.
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(body || {}),
    }).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) {
          var message = data && data.error ? data.error.message : "That did not work.";
          throw new Error(message);
        }
        return data;
      });
    });
  }

  function say(target, message) {
    var box = document.querySelector(target);
    if (box) {
      box.textContent = message;
      box.hidden = !message;
    }
  }

  function supported() {
    return window.PublicKeyCredential && PublicKeyCredential.parseCreationOptionsFromJSON;
  }

  function register(button) {
    var status = button.getAttribute("data-status");
    var nameField = document.querySelector(button.getAttribute("data-name-field"));
    say(status, "");
    post(button.getAttribute("data-options-url"))
      .then(function (options) {
        var publicKey = PublicKeyCredential.parseCreationOptionsFromJSON(options);
        return navigator.credentials.create({ publicKey: publicKey });
      })
      .then(function (credential) {
        return post(button.getAttribute("data-register-url"), {
          credential: credential.toJSON(),
          name: nameField ? nameField.value : "",
        });
      })
      .then(function () {
        window.location.reload();
      })
      .catch(function (error) {
        say(status, error.message || "The passkey was not registered.");
      });
  }

  function signIn(button) {
    var status = button.getAttribute("data-status");
    say(status, "");
    post(button.getAttribute("data-options-url"))
      .then(function (options) {
        var publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(options);
        return navigator.credentials.get({ publicKey: publicKey });
      })
      .then(function (credential) {
        return post(button.getAttribute("data-sign-in-url"), { credential: credential.toJSON() });
      })
      .then(function (answer) {
        window.location.assign(answer.redirect);
      })
      .catch(function (error) {
        say(status, error.message || "Signing in with a passkey did not work.");
      });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-passkey-register], [data-passkey-sign-in]").forEach(
      function (button) {
        if (!supported()) {
          button.hidden = true;
          return;
        }
        button.hidden = false;
        button.addEventListener("click", function (event) {
          event.preventDefault();
          if (button.hasAttribute("data-passkey-register")) {
            register(button);
          } else {
            signIn(button);
          }
        });
      }
    );
  });
})();

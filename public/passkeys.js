// Passkeys (issue 17): runs the browser's WebAuthn dialog for the page's form and posts the
// answer as base64url form fields. No framework, no inline script (the CSP forbids it).
//   #passkey-create  data-options: PublicKeyCredentialCreationOptions (adding a passkey)
//   #passkey-get     data-options: PublicKeyCredentialRequestOptions (the second step)
//   #passkey-login   data-options-url: asks for options, then autofill + "Sign in with a passkey"
(function () {
  "use strict";

  function toBytes(b64url) {
    var b64 = b64url.replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) b64 += "=";
    var raw = atob(b64), bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes.buffer;
  }

  function toBase64url(buffer) {
    var bytes = new Uint8Array(buffer), raw = "";
    for (var i = 0; i < bytes.length; i++) raw += String.fromCharCode(bytes[i]);
    return btoa(raw).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function credentialList(list) {
    return (list || []).map(function (c) { return { type: c.type, id: toBytes(c.id) }; });
  }

  function showError(message) {
    var box = document.getElementById("passkey-error");
    if (!box) return;
    box.textContent = message;
    box.hidden = false;
  }

  function explain(error) {
    if (error && error.name === "NotAllowedError") return "The passkey dialog was closed or timed out. Try again, or use another way.";
    if (error && error.name === "InvalidStateError") return "This device already has a passkey for your account.";
    if (error && error.name === "SecurityError") return "Passkeys only work at this site's own address (https, or http://localhost).";
    return "Your browser couldn't use a passkey here" + (error && error.name ? " (" + error.name + ")." : ".");
  }

  function set(form, name, value) { form.elements[name].value = value; }

  function submitAssertion(form, credential) {
    var r = credential.response;
    set(form, "credential_id", toBase64url(credential.rawId));
    set(form, "client_data_json", toBase64url(r.clientDataJSON));
    set(form, "authenticator_data", toBase64url(r.authenticatorData));
    set(form, "signature", toBase64url(r.signature));
    set(form, "user_handle", r.userHandle ? toBase64url(r.userHandle) : "");
    form.submit();
  }

  function requestOptions(o) {
    return { challenge: toBytes(o.challenge), rpId: o.rpId, timeout: o.timeout,
             userVerification: o.userVerification, allowCredentials: credentialList(o.allowCredentials) };
  }

  var supported = !!(window.PublicKeyCredential && navigator.credentials);

  var create = document.getElementById("passkey-create");
  if (create) {
    document.getElementById("passkey-create-button").addEventListener("click", function () {
      if (!supported) { showError(explain(null)); return; }
      var o = JSON.parse(create.dataset.options);
      var options = {
        rp: o.rp, challenge: toBytes(o.challenge), pubKeyCredParams: o.pubKeyCredParams, timeout: o.timeout,
        attestation: o.attestation, authenticatorSelection: o.authenticatorSelection,
        user: { id: toBytes(o.user.id), name: o.user.name, displayName: o.user.displayName },
        excludeCredentials: credentialList(o.excludeCredentials)
      };
      navigator.credentials.create({ publicKey: options }).then(function (credential) {
        set(create, "client_data_json", toBase64url(credential.response.clientDataJSON));
        set(create, "attestation_object", toBase64url(credential.response.attestationObject));
        create.submit();
      }, function (error) { showError(explain(error)); });
    });
  }

  var get = document.getElementById("passkey-get");
  if (get) {
    document.getElementById("passkey-get-button").addEventListener("click", function () {
      if (!supported) { showError(explain(null)); return; }
      var options = requestOptions(JSON.parse(get.dataset.options));
      navigator.credentials.get({ publicKey: options }).then(function (credential) {
        submitAssertion(get, credential);
      }, function (error) { showError(explain(error)); });
    });
  }

  var login = document.getElementById("passkey-login");
  // Opened at another address than the passkeys' site (e.g. 127.0.0.1 for localhost), the browser
  // would refuse: ask the server for nothing, and say where passkeys work when asked.
  var host = location.hostname, rpId = login ? login.dataset.rpId : "";
  var atOurSite = host === rpId || host.slice(-(rpId.length + 1)) === "." + rpId;
  if (login && !atOurSite) {
    document.getElementById("passkey-login-button").addEventListener("click", function () {
      showError("Passkeys work at " + rpId + ", not at this address.");
    });
  }
  if (login && supported && atOurSite) {
    var pending = null;   // the autofill request, aborted when the button starts a modal one

    var fetchOptions = function () {
      var body = new URLSearchParams();
      body.set("authenticity_token", login.elements["authenticity_token"].value);
      return fetch(login.dataset.optionsUrl, { method: "POST", body: body, credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) throw new Error("options " + response.status);
          return response.json();
        });
    };

    var run = function (mediation) {
      if (pending) { pending.abort(); pending = null; }
      var controller = new AbortController();
      if (mediation === "conditional") pending = controller;
      return fetchOptions().then(function (o) {
        var request = { publicKey: requestOptions(o), signal: controller.signal };
        if (mediation) request.mediation = mediation;
        return navigator.credentials.get(request);
      }).then(function (credential) {
        if (credential) submitAssertion(login, credential);
      }, function (error) {
        if (error && error.name === "AbortError") return;   // replaced by the button's request
        if (mediation !== "conditional") showError(explain(error));
      });
    };

    document.getElementById("passkey-login-button").addEventListener("click", function () { run(undefined); });
    // Autofill: the browser offers this site's passkeys in the username field's suggestions.
    if (PublicKeyCredential.isConditionalMediationAvailable) {
      PublicKeyCredential.isConditionalMediationAvailable().then(function (available) {
        if (available) run("conditional");
      });
    }
  }
})();

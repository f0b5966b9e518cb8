// Submits the SAML HTTP-POST binding form as soon as the page loads.
document.getElementById('saml-post').submit();

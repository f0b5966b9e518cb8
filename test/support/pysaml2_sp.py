"""Consume one SAML Response, or create one AuthnRequest, as a pysaml2 service provider would.

By default, reads a base64 SAMLResponse (HTTP-POST binding) from standard input and checks it with
pysaml2's Saml2Client.parse_authn_request_response. Prints what the SP accepted as one JSON object
with issuer, nameId, nameIdFormat, inResponseTo and attributes. The attributes map each name to its
list of values as written in the assertion, without pysaml2's attribute name maps.

With --create-request redirect|post, reads nothing and instead creates an AuthnRequest to the IdP
of --idp-metadata with Saml2Client.prepare_for_authenticate, signed when --key-file is given.
Prints one JSON object with the request's id, the binding, the url to send it to (for
HTTP-Redirect, the whole URL with its query) and, for HTTP-POST, the fields of the form that
pysaml2 writes.

Exit status: 0 when pysaml2 accepts the Response (or created the request), 1 when it rejects it
(the reason on standard error), 2 for a usage or configuration error. Needs Debian's
python3-pysaml2 and xmlsec1, which pysaml2 runs to verify and to sign XML.
"""

import argparse
import json
import logging
import sys
from html.parser import HTMLParser

from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.client import Saml2Client
from saml2.config import SPConfig
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256


REQUEST_BINDINGS = {"redirect": BINDING_HTTP_REDIRECT, "post": BINDING_HTTP_POST}


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--entity-id", required=True, help="SP entity ID, checked as the Audience"
    )
    parser.add_argument(
        "--acs-url", required=True, help="ACS URL, checked as Destination and Recipient"
    )
    parser.add_argument(
        "--idp-metadata", required=True, help="file with the IdP's metadata XML"
    )
    parser.add_argument(
        "--outstanding",
        action="append",
        default=[],
        metavar="ID",
        help="ID of an AuthnRequest this SP sent and awaits; repeat for several",
    )
    parser.add_argument(
        "--allow-unsolicited",
        action="store_true",
        help="accept a Response without InResponseTo (IdP-initiated SSO)",
    )
    parser.add_argument(
        "--want-response-signed", action="store_true", help="require a Response signature"
    )
    parser.add_argument(
        "--want-assertions-signed", action="store_true", help="require an Assertion signature"
    )

    parser.add_argument(
        "--create-request",
        choices=sorted(REQUEST_BINDINGS),
        help="create an AuthnRequest for this binding instead of reading a Response",
    )
    parser.add_argument("--relay-state", default="", help="RelayState sent with the request")
    parser.add_argument("--key-file", help="SP private key (PEM); signs the AuthnRequest")
    parser.add_argument("--cert-file", help="SP certificate (PEM) of --key-file")

    arguments = parser.parse_args()
    if arguments.key_file and not arguments.cert_file:
        parser.error("--key-file needs --cert-file")
    return arguments


def build_client(arguments):
    settings = {
        "entityid": arguments.entity_id,
        "metadata": {"local": [arguments.idp_metadata]},
        "allow_unknown_attributes": True,
        "service": {
            "sp": {
                "endpoints": {
                    "assertion_consumer_service": [(arguments.acs_url, BINDING_HTTP_POST)],
                },
                "allow_unsolicited": arguments.allow_unsolicited,
                "want_response_signed": arguments.want_response_signed,
                "want_assertions_signed": arguments.want_assertions_signed,
                # At least one of the two signatures is always required here, so that a
                # Response signed by neither is rejected even with both options above off.
                "want_assertions_or_response_signed": True,
                "authn_requests_signed": arguments.key_file is not None,
            }
        },
    }
    if arguments.key_file:
        settings |= {"key_file": arguments.key_file, "cert_file": arguments.cert_file}
        # pysaml2 7.0 signs with RSA-SHA1 by default, and Sesame rejects SHA-1. pysaml2 reads
        # these two settings from the "sp" section only and ignores them at the top level.
        settings["service"]["sp"] |= {
            "signing_algorithm": SIG_RSA_SHA256,
            "digest_algorithm": DIGEST_SHA256,
        }

    config = SPConfig()
    config.load(settings)
    return Saml2Client(config=config)


def describe(response):
    assertion = response.assertion
    name_id = assertion.subject.name_id
    attributes = {}
    for statement in assertion.attribute_statement:
        for attribute in statement.attribute:
            values = [value.text for value in attribute.attribute_value]
            attributes.setdefault(attribute.name, []).extend(values)

    return {
        "issuer": response.issuer(),
        "nameId": name_id.text,
        "nameIdFormat": name_id.format,
        "inResponseTo": response.in_response_to,
        "attributes": attributes,
    }


class LogCollector(logging.Handler):
    """Keeps pysaml2's warnings and errors, to print after the rejection reason."""

    def __init__(self):
        super().__init__(level=logging.WARNING)
        self.messages = []

    def emit(self, record):
        self.messages.append(self.format(record))


def reject(reason, log):
    print(f"pysaml2 rejected the Response: {reason}", file=sys.stderr)
    for message in log.messages:
        print(f"pysaml2 log: {message}", file=sys.stderr)
    return 1


class FormFields(HTMLParser):
    """Collects the name and value of each input of an HTML form."""

    def __init__(self):
        super().__init__()
        self.fields = {}

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "input" and attributes.get("name"):
            self.fields[attributes["name"]] = attributes.get("value") or ""


def create_request(client, arguments):
    """Prints the AuthnRequest that pysaml2 sends by the chosen binding, and its ID."""
    request_id, info = client.prepare_for_authenticate(
        relay_state=arguments.relay_state, binding=REQUEST_BINDINGS[arguments.create_request]
    )
    described = {"id": request_id, "binding": arguments.create_request, "url": info["url"]}
    if arguments.create_request == "redirect":
        described["url"] = dict(info["headers"])["Location"]
    else:
        form = FormFields()
        form.feed(info["data"])
        described["fields"] = form.fields

    print(json.dumps(described))
    return 0


def consume_response(client, arguments, log):
    saml_response = sys.stdin.read().strip()
    # pysaml2 maps each outstanding request ID to the URL the user came from.
    outstanding = {request_id: "/" for request_id in arguments.outstanding}

    try:
        response = client.parse_authn_request_response(
            saml_response, BINDING_HTTP_POST, outstanding=outstanding
        )
    except Exception as error:  # pysaml2 raises many unrelated types; report any of them.
        return reject(f"{type(error).__name__}: {error}", log)

    # For some failures pysaml2 only logs, and returns None or a response without an assertion.
    if response is None or response.assertion is None:
        return reject("no valid assertion", log)

    print(json.dumps(describe(response), ensure_ascii=False))
    return 0


def main():
    arguments = parse_arguments()
    # pysaml2 logs most failures as well as raising them; keep its messages after the reason.
    log = LogCollector()
    logging.getLogger().addHandler(log)

    try:
        client = build_client(arguments)
    except Exception as error:  # A bad SP setup is not a rejection of the Response.
        reason = f"{type(error).__name__}: {error}"
        print(f"pysaml2 SP configuration failed: {reason}", file=sys.stderr)
        return 2

    if arguments.create_request:
        return create_request(client, arguments)
    return consume_response(client, arguments, log)


if __name__ == "__main__":
    sys.exit(main())

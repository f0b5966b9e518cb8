"""Consume one SAML Response as a pysaml2 service provider would.

Reads a base64 SAMLResponse (HTTP-POST binding) from standard input and checks it with pysaml2's
Saml2Client.parse_authn_request_response. Prints what the SP accepted as one JSON object with
issuer, nameId, nameIdFormat, inResponseTo and attributes. The attributes map each name to its
list of values as written in the assertion, without pysaml2's attribute name maps.

Exit status: 0 when pysaml2 accepts the Response, 1 when it rejects it (the reason on standard
error), 2 for a usage or configuration error. Needs Debian's python3-pysaml2 and xmlsec1, which
pysaml2 runs to verify signatures.
"""

import argparse
import json
import logging
import sys

from saml2 import BINDING_HTTP_POST
from saml2.client import Saml2Client
from saml2.config import SPConfig


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
    return parser.parse_args()


def build_client(arguments):
    config = SPConfig()
    config.load(
        {
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
                }
            },
        }
    )
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


def main():
    arguments = parse_arguments()
    # pysaml2 logs most failures as well as raising them; keep its messages after the reason.
    log = LogCollector()
    logging.getLogger().addHandler(log)

    saml_response = sys.stdin.read().strip()
    try:
        client = build_client(arguments)
    except Exception as error:  # A bad SP setup is not a rejection of the Response.
        reason = f"{type(error).__name__}: {error}"
        print(f"pysaml2 SP configuration failed: {reason}", file=sys.stderr)
        return 2
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


if __name__ == "__main__":
    sys.exit(main())

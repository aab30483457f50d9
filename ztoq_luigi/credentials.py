"""Credentials for the hosts other than Zephyr's that hold files embedded in rich text.

In Zephyr Scale Cloud the images and files of rich text are stored by Jira
(or the Zephyr app) and served from the Jira site, not by the v2 API, and
Jira Cloud takes an Atlassian account email and API token as HTTP Basic
auth. They are configured per host: `attachments.hosts` in the config file
for any number of hosts, and --jira-base-url with --jira-email and
--jira-api-token (or ZTOQ_JIRA_*) for the Jira site, which wins for its host.
A host is written as the links write it, with the port when they carry one.
Each host's credentials are sent to that host only (see
tasks/extract_attachments.py); the token is a Secret and prints as ***.
"""

import base64
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from marshmallow import ValidationError, fields

from ztoq_luigi.secrets import Secret

HOST = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]{1,5})?$")


@dataclass(frozen=True)
class HostCredentials:
    host: str
    email: str
    api_token: Secret

    def basic_token(self):
        """The base64 of `email:api_token` that an Authorization: Basic header carries; a secret too."""
        pair = f"{self.email}:{self.api_token.reveal()}".encode("utf-8")
        return Secret(base64.b64encode(pair).decode("ascii"))


class HostCredentialsField(fields.Field):
    """`{host: {email, api_token}}` from the config file, as a tuple of HostCredentials sorted by host."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, dict):
            raise ValidationError("invalid")
        found = []
        for host, entry in value.items():
            if not isinstance(host, str) or not HOST.match(host):
                raise ValidationError("invalid")
            if not isinstance(entry, dict) or set(entry) != {"email", "api_token"}:
                raise ValidationError("invalid")
            if not all(isinstance(entry[name], str) and entry[name].strip() for name in ("email", "api_token")):
                raise ValidationError("invalid")
            found.append(HostCredentials(host.lower(), entry["email"].strip(), Secret(entry["api_token"].strip())))
        return tuple(sorted(found, key=lambda credentials: credentials.host))


def host_of(url):
    """The host a link addresses, as credentials are keyed: lower-case, with the port if it names one."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        return parts.netloc.lower()
    host = (parts.hostname or "").lower()
    return f"{host}:{port}" if port else host


def credentials_by_host(settings):
    """{host: HostCredentials} from `attachments.hosts` and the Jira site's own settings."""
    found = {credentials.host: credentials for credentials in settings.attachment_hosts}
    if settings.jira_base_url and settings.jira_email and settings.jira_api_token:
        host = host_of(settings.jira_base_url)
        found[host] = HostCredentials(host, settings.jira_email, settings.jira_api_token)
    return found

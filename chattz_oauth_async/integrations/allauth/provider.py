"""The ``chattz`` provider allauth discovers (``provider_classes``).

What it hands allauth comes from :meth:`ChattzOAuth2Adapter.complete_login`:
the Chattz id and the cleaned profile
(:class:`~chattz_oauth_async.accounts.Profile`). The e-mail address stays
unverified whatever the settings say: Chattz does not say whether it
verified it, so it must never sign anyone in to an existing account.
"""

from __future__ import annotations

from typing import Any

from allauth.socialaccount.providers.base import ProviderAccount
from allauth.socialaccount.providers.oauth2.provider import OAuth2Provider

from .views import ChattzOAuth2Adapter

__all__ = ["ChattzAccount", "ChattzProvider", "provider_classes"]


class ChattzAccount(ProviderAccount):  # type: ignore[misc]
    """A linked Chattz account as allauth's templates show it."""

    def get_avatar_url(self) -> str | None:
        """The ``https://`` avatar URL Chattz sent, or None (cleaned; never fetched)."""
        avatar = self.account.extra_data.get("avatar")
        return avatar if isinstance(avatar, str) else None

    def to_str(self) -> str:
        """The Chattz username (what the "connected accounts" page lists)."""
        username = self.account.extra_data.get("username")
        return username if isinstance(username, str) else str(super().to_str())


class ChattzProvider(OAuth2Provider):  # type: ignore[misc]
    """Chattz for django-allauth: uid the Chattz id, e-mail never verified, PKCE on."""

    id = "chattz"
    name = "Chattz"
    account_class: type[ChattzAccount] = ChattzAccount
    oauth2_adapter_class: type[ChattzOAuth2Adapter] = ChattzOAuth2Adapter
    pkce_enabled_default = True
    # Headless "provider token" login: nothing shows which client a Chattz token was
    # issued to, so a token from another app would sign its user in here. Use the
    # provider-redirect flow.
    supports_token_authentication = False

    def extract_uid(self, data: dict[str, Any]) -> str:
        """The Chattz id, as text."""
        return str(data["id"])

    def extract_extra_data(self, data: dict[str, Any]) -> dict[str, Any]:
        """What ``SocialAccount.extra_data`` keeps: the id and the cleaned profile."""
        return dict(data)

    def extract_common_fields(self, data: dict[str, Any]) -> dict[str, Any]:
        """The fields allauth fills a new user with: never the Chattz e-mail.

        Chattz does not say whether its address is verified. Given to allauth,
        even unverified, it becomes ``User.email`` and an unverified
        ``EmailAddress``; allauth's e-mail authentication and auto-connect match
        unverified addresses when no verified one exists, so the real owner's
        later login with a provider that verifies the address would land in
        the account of whoever claimed it on Chattz first. The address stays in
        ``SocialAccount.extra_data`` only.
        """
        fields = {name: data.get(name) for name in ("username", "first_name", "last_name")}
        return {name: value for name, value in fields.items() if value}

    def extract_email_addresses(self, data: dict[str, Any]) -> list[Any]:
        """None: the Chattz e-mail is never an allauth ``EmailAddress``."""
        return []

    def cleanup_email_addresses(
        self, email: str | None, addresses: list[Any], email_verified: bool = False
    ) -> str | None:
        """allauth's cleanup, then every address unverified.

        allauth marks an address verified when the provider's ``VERIFIED_EMAIL``
        setting (or a site adapter's ``is_email_verified``) says so; for Chattz
        that would let an account with someone else's address sign in to
        theirs (e-mail authentication) or connect to it (auto-connect).
        """
        result = super().cleanup_email_addresses(email, addresses, email_verified=False)
        for address in addresses:
            address.verified = False
        return result if result is None else str(result)


provider_classes: list[type[ChattzProvider]] = [ChattzProvider]

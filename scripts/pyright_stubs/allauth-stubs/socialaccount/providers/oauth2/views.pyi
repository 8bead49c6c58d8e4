from collections.abc import Callable
from typing import Any

from allauth.socialaccount.providers.oauth2.client import OAuth2Client
from django.http import HttpRequest, HttpResponseBase

class OAuth2Adapter:
    expires_in_key: str
    client_class: type[OAuth2Client]
    supports_state: bool
    redirect_uri_protocol: str | None
    access_token_method: str
    login_cancelled_error: str
    scope_delimiter: str
    basic_auth: bool
    headers: dict[str, str] | None
    provider_id: str
    access_token_url: str
    request: HttpRequest
    def __init__(self, request: HttpRequest) -> None: ...
    def get_provider(self) -> Any: ...
    def complete_login(self, request: HttpRequest, app: Any, token: Any, **kwargs: Any) -> Any: ...
    def get_callback_url(self, request: HttpRequest, app: Any) -> str: ...
    def parse_token(self, data: Any) -> Any: ...
    def get_access_token_data(
        self, request: HttpRequest, app: Any, client: Any, pkce_code_verifier: str | None = None
    ) -> Any: ...
    def get_client(self, request: HttpRequest, app: Any) -> OAuth2Client: ...

class OAuth2View:
    request: HttpRequest
    adapter: OAuth2Adapter
    @classmethod
    def adapter_view(
        cls, adapter: type[OAuth2Adapter] | OAuth2Adapter
    ) -> Callable[..., HttpResponseBase]: ...

class OAuth2LoginView(OAuth2View): ...
class OAuth2CallbackView(OAuth2View): ...

from typing import Any

from django.http import HttpRequest

class OAuth2Error(Exception): ...

class OAuth2Client:
    client_id_parameter: str
    request: HttpRequest
    access_token_method: str
    access_token_url: str
    callback_url: str
    consumer_key: str
    consumer_secret: str
    scope_delimiter: str
    state: str | None
    headers: dict[str, str] | None
    basic_auth: bool
    def __init__(
        self,
        request: HttpRequest,
        consumer_key: str,
        consumer_secret: str,
        access_token_method: str,
        access_token_url: str,
        callback_url: str,
        scope_delimiter: str = " ",
        headers: dict[str, str] | None = None,
        basic_auth: bool = False,
    ) -> None: ...
    def get_redirect_url(
        self, authorization_url: str, scope: Any, extra_params: dict[str, Any]
    ) -> str: ...
    def get_access_token(
        self, code: str, pkce_code_verifier: str | None = None, extra_data: Any = None
    ) -> Any: ...

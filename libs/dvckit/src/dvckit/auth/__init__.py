from dvckit.auth.jwt import Principal, TokenError, TokenVerifier, issue_token, load_or_create_dev_keys

__all__ = ["Principal", "TokenError", "TokenVerifier", "issue_token", "load_or_create_dev_keys"]

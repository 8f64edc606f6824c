"""Identity: signed cookies, sessions, OIDC sign-in, roles, token crypto (framework-free)."""

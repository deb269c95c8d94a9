# The OpenID Connect login of the auth benchmark (bench/auth/run.ts), read unchanged by labhub and
# by JupyterHub 6.1.1 + OAuthenticator 17. Endpoints, client and callback URL come from the
# environment (OAUTH2_AUTHORIZE_URL, OAUTH2_TOKEN_URL, OAUTH2_USERDATA_URL, OAUTH_CLIENT_ID,
# OAUTH_CLIENT_SECRET, OAUTH_CALLBACK_URL), as OAuthenticator documents; ports from the command line.
c = get_config()  # noqa

c.JupyterHub.authenticator_class = "oauthenticator.generic.GenericOAuthenticator"
c.JupyterHub.db_url = "sqlite:///jupyterhub.sqlite"
c.JupyterHub.cleanup_servers = False
# The proxy ends with the hub (JupyterHub's default; labhub keeps it running unless asked).
c.JupyterHub.cleanup_proxy = True

c.GenericOAuthenticator.scope = ["openid", "profile"]
c.GenericOAuthenticator.username_claim = "preferred_username"
c.GenericOAuthenticator.basic_auth = False
c.GenericOAuthenticator.allow_all = True

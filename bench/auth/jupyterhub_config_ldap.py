# The LDAP login of the auth benchmark (bench/auth/run.ts), read by labhub and by JupyterHub 6.1.1 +
# ldapauthenticator 2: a bind-DN template against the benchmark's slapd (plain LDAP on loopback;
# its port comes from the command line: --LDAPAuthenticator.server_port).
c = get_config()  # noqa

c.JupyterHub.authenticator_class = "ldapauthenticator.LDAPAuthenticator"
c.JupyterHub.db_url = "sqlite:///jupyterhub.sqlite"
c.JupyterHub.cleanup_servers = False
# The proxy ends with the hub (JupyterHub's default; labhub keeps it running unless asked).
c.JupyterHub.cleanup_proxy = True

c.LDAPAuthenticator.server_address = "127.0.0.1"
c.LDAPAuthenticator.tls_strategy = "insecure"
c.LDAPAuthenticator.bind_dn_template = ["uid={username},ou=people,dc=example,dc=org"]
c.LDAPAuthenticator.allow_all = True

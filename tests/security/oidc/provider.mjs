// A real OpenID provider for tests/security/test_oidc.py: the `oidc-provider` package,
// unmodified, with its built-in development interactions (a login form that takes any
// password, then a consent page), one confidential client, and a small table of users
// and their groups. Listens on 127.0.0.1 only; prints "ready <issuer>" once it does.
//
//   node provider.mjs PORT
//
// and, in the environment, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET and OIDC_REDIRECT_URI
// (the port may be given as OIDC_PORT instead).
if (typeof URL.parse !== 'function') {
  // oidc-provider 9 calls URL.parse (Node.js 20.18+, 22.1+); Debian 12's nodejs is 18
  console.error(`oidc-provider 9 needs Node.js 20.18 or later; this is ${process.version}`);
  process.exit(2);
}
const { default: Provider } = await import('oidc-provider');

const port = Number(process.argv[2] ?? process.env.OIDC_PORT);
const client = {
  client_id: process.env.OIDC_CLIENT_ID,
  client_secret: process.env.OIDC_CLIENT_SECRET,
  redirect_uris: [process.env.OIDC_REDIRECT_URI],
};
if (!Number.isInteger(port) || port <= 0 || !client.client_id || !client.client_secret || !client.redirect_uris[0]) {
  console.error('usage: OIDC_CLIENT_ID=.. OIDC_CLIENT_SECRET=.. OIDC_REDIRECT_URI=.. node provider.mjs PORT');
  process.exit(2);
}

// login -> what the provider says about them; any other login signs in with no groups
const PEOPLE = {
  grace: { name: 'Grace Hopper', groups: ['ml-approvers'] },
  hal: { name: 'Hal Abelson', groups: ['unrelated'] },
};

const issuer = `http://127.0.0.1:${port}`;
const provider = new Provider(issuer, {
  clients: [
    {
      ...client,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  claims: {
    openid: ['sub'],
    profile: ['preferred_username', 'name'],
    email: ['email'],
    groups: ['groups'],
  },
  async findAccount(ctx, id) {
    const known = PEOPLE[id] ?? { name: id, groups: [] };
    return {
      accountId: id,
      async claims() {
        return {
          sub: id,
          preferred_username: id,
          name: known.name,
          email: `${id}@example.test`,
          groups: known.groups,
        };
      },
    };
  },
  features: { devInteractions: { enabled: true } },
  cookies: { keys: ['a test provider, not a secret'] },
});

provider.on('server_error', (ctx, err) => console.error('server_error', err));
provider.on('grant.error', (ctx, err) => console.error('grant.error', err.message, err.error_description ?? ''));

const server = provider.listen(port, '127.0.0.1', () => {
  console.log(`ready ${issuer}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));

// The benchmark's OpenID provider in its own process (so it does not share the client's event
// loop): test/auth/oauth/test-provider.ts with the users and callback URLs given as JSON in argv[2].
// Prints the issuer, client id and secret as one JSON line, then serves until killed.
import { startTestProvider } from '../../test/auth/oauth/test-provider.js';

const { redirectUris, accounts } = JSON.parse(process.argv[2]!) as {
  redirectUris: string[];
  accounts: string[];
};
const idp = await startTestProvider({
  redirectUris,
  users: Object.fromEntries(accounts.map((a) => [a, { preferred_username: a }])),
});
process.stdout.write(
  `${JSON.stringify({ issuer: idp.issuer, clientId: idp.clientId, clientSecret: idp.clientSecret })}\n`,
);
process.on('SIGTERM', () => void idp.close().then(() => process.exit(0)));

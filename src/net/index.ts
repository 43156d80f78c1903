export {
  basicAuthorization,
  credentialFor,
  type HostCredential,
  parseHttpAuth,
  splitUrlCredentials,
  stripUrlCredentials,
  type UrlCredential,
} from './credentials.js';

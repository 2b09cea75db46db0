/**
 * The deploy-time switches, read from CDK context (`cdk.json` or `-c key=value`) and validated once,
 * so every construct receives typed values and no construct reads context itself.
 */
import type { Node } from 'constructs';
import { AUTH_MODES, type AuthMode } from '../functions/shared/contract.ts';

/** How callers authenticate to the API's caller-authorized routes (the public ones answer anyone). */
export { AUTH_MODES, type AuthMode };

/** The detectors `npm run build:models` builds (layers/models/src/catalog.ts), all shipped in the image. */
export const DETECTORS = [
  'retinaface-mnet025',
  'facemesh-detection-full',
  'blazeface-back',
  'ssd-mobilenetv1',
  'mtcnn',
] as const;
export type Detector = (typeof DETECTORS)[number];

export interface FaceVerifyConfig {
  /** Names the stack (`FaceVerify-<stage>`), so several stages can live in one account. */
  readonly stage: string;
  readonly auth: AuthMode;
  /** The site's origin when it is served from a custom domain; the CloudFront domain otherwise. */
  readonly siteOrigin: string | undefined;
  /**
   * With `jwt`: the managed sign-in domain's prefix (`<prefix>.auth.<region>.amazoncognito.com`), unique
   * in its region; `faceverify-<stage>-<account id>` when not set.
   */
  readonly authDomainPrefix: string | undefined;
  /** With `jwt`: people may sign themselves up (e-mail verified); otherwise administrators create users. */
  readonly selfSignUp: boolean;
  /**
   * With `jwt`: a page served from this machine (e.g. `http://localhost:3000`) may also sign in and call
   * the API, for development against a deployed stack. Off unless set.
   */
  readonly devOrigin: string | undefined;
  /**
   * With `jwt`: sign in with this OpenID Provider instead of a Cognito user pool (none is made). Its
   * discovery document names the endpoints; its access tokens must be RS256 JWTs for `oidcClientId`.
   */
  readonly oidcIssuer: string | undefined;
  /** The page's public client at `oidcIssuer`: the `aud` (or `client_id`) the API accepts. */
  readonly oidcClientId: string | undefined;
  /** How long the drop folder keeps `results/`. */
  readonly resultsRetentionDays: number;
  /** Stage-wide steady requests per second. */
  readonly throttleRateLimit: number;
  /** Stage-wide burst, in requests. */
  readonly throttleBurstLimit: number;
  /** Keep the drop folder and the logs when the stack is destroyed. */
  readonly retainData: boolean;
  /** The collections table refuses deletion (by the stack or anyone) until this is turned off. */
  readonly collectionsDeletionProtection: boolean;
  /**
   * The face detector the functions load: RetinaFace by default, `mtcnn` (MIT) or
   * `facemesh-detection-full` (Apache-2.0) where licence-clean weights are needed (RetinaFace's are
   * for non-commercial research; see the README).
   */
  readonly detector: Detector;
}

export const CONTEXT_KEYS = {
  stage: 'stage',
  auth: 'auth',
  siteOrigin: 'siteOrigin',
  authDomainPrefix: 'authDomainPrefix',
  selfSignUp: 'selfSignUp',
  devOrigin: 'devOrigin',
  oidcIssuer: 'oidcIssuer',
  oidcClientId: 'oidcClientId',
  resultsRetentionDays: 'resultsRetentionDays',
  throttleRateLimit: 'throttleRateLimit',
  throttleBurstLimit: 'throttleBurstLimit',
  retainData: 'retainData',
  collectionsDeletionProtection: 'collectionsDeletionProtection',
  detector: 'detector',
} as const satisfies Record<keyof FaceVerifyConfig, string>;

/**
 * `jwt` by default: the page signs people in, and only their tokens open the image routes.
 * Throttle: 10 requests/s at ≈0.5 s per verification keeps ≈5 functions busy and bounds a runaway
 * client's cost; raise it with the bench figures and the account's concurrency in hand.
 */
export const DEFAULT_CONFIG: FaceVerifyConfig = {
  stage: 'dev',
  auth: 'jwt',
  siteOrigin: undefined,
  authDomainPrefix: undefined,
  selfSignUp: false,
  devOrigin: undefined,
  oidcIssuer: undefined,
  oidcClientId: undefined,
  resultsRetentionDays: 30,
  throttleRateLimit: 10,
  throttleBurstLimit: 20,
  retainData: true,
  collectionsDeletionProtection: true,
  detector: 'retinaface-mnet025',
};

export class ConfigError extends Error {
  constructor(key: string, expected: string, actual: unknown) {
    super(`CDK context '${key}' must be ${expected}; got ${JSON.stringify(actual)}`);
    this.name = 'ConfigError';
  }
}

/** Reads every switch from context; values given on the command line arrive as strings. */
export function readConfig(node: Node): FaceVerifyConfig {
  const get = (key: keyof FaceVerifyConfig): unknown => node.tryGetContext(CONTEXT_KEYS[key]);
  const config: FaceVerifyConfig = {
    stage: parseStage(get('stage') ?? DEFAULT_CONFIG.stage),
    auth: parseOneOf('auth', AUTH_MODES, get('auth') ?? DEFAULT_CONFIG.auth),
    siteOrigin: parseOrigin('siteOrigin', get('siteOrigin')),
    authDomainPrefix: parseDomainPrefix(get('authDomainPrefix')),
    selfSignUp: parseBoolean('selfSignUp', get('selfSignUp')),
    devOrigin: parseDevOrigin(get('devOrigin')),
    oidcIssuer: parseIssuer(get('oidcIssuer')),
    oidcClientId: parseClientId(get('oidcClientId')),
    resultsRetentionDays: parseInteger('resultsRetentionDays', get('resultsRetentionDays'), 1, 3650),
    throttleRateLimit: parseInteger('throttleRateLimit', get('throttleRateLimit'), 1, 10_000),
    throttleBurstLimit: parseInteger('throttleBurstLimit', get('throttleBurstLimit'), 1, 5_000),
    retainData: parseBoolean('retainData', get('retainData')),
    collectionsDeletionProtection: parseBoolean(
      'collectionsDeletionProtection',
      get('collectionsDeletionProtection'),
    ),
    detector: parseOneOf('detector', DETECTORS, get('detector') ?? DEFAULT_CONFIG.detector),
  };
  if ((config.oidcIssuer === undefined) !== (config.oidcClientId === undefined)) {
    const missing = config.oidcIssuer === undefined ? 'oidcIssuer' : 'oidcClientId';
    throw new ConfigError(
      CONTEXT_KEYS[missing],
      'set together with the other of oidcIssuer, oidcClientId',
      undefined,
    );
  }
  if (config.oidcIssuer && config.auth !== 'jwt') {
    throw new ConfigError(CONTEXT_KEYS.auth, 'jwt when oidcIssuer is set', config.auth);
  }
  if (config.throttleBurstLimit < config.throttleRateLimit) {
    throw new ConfigError(
      CONTEXT_KEYS.throttleBurstLimit,
      `at least throttleRateLimit (${config.throttleRateLimit})`,
      config.throttleBurstLimit,
    );
  }
  return config;
}

function parseStage(value: unknown): string {
  if (typeof value === 'string' && /^[a-z][a-z0-9-]{0,19}$/.test(value)) return value;
  throw new ConfigError(
    CONTEXT_KEYS.stage,
    'lowercase letters, digits and dashes (1-20, letter first)',
    value,
  );
}

function parseOneOf<T extends string>(key: keyof FaceVerifyConfig, options: readonly T[], value: unknown): T {
  const found = options.find((option) => option === value);
  if (found) return found;
  throw new ConfigError(CONTEXT_KEYS[key], `one of ${options.join(', ')}`, value);
}

/** An origin is scheme + host (+ port): no path, no trailing slash, https unless it is localhost. */
function parseOrigin(key: 'siteOrigin' | 'devOrigin', value: unknown): string | undefined {
  if (value === undefined || value === '') return undefined;
  const expected = 'an origin such as https://faces.example.com (http only for localhost)';
  if (typeof value !== 'string' || !URL.canParse(value)) {
    throw new ConfigError(CONTEXT_KEYS[key], expected, value);
  }
  const url = new URL(value);
  const secure = url.protocol === 'https:' || (url.protocol === 'http:' && url.hostname === 'localhost');
  if (!secure || url.origin !== value) throw new ConfigError(CONTEXT_KEYS[key], expected, value);
  return value;
}

/** Cognito allows plain http for localhost only, so the development origin is one of those. */
function parseDevOrigin(value: unknown): string | undefined {
  const origin = parseOrigin('devOrigin', value);
  if (origin && new URL(origin).protocol !== 'http:') {
    throw new ConfigError(CONTEXT_KEYS.devOrigin, 'an http://localhost:<port> origin', value);
  }
  return origin;
}

/** An https issuer URL, as the tokens' `iss` spells it. */
function parseIssuer(value: unknown): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value === 'string' && URL.canParse(value) && new URL(value).protocol === 'https:') return value;
  throw new ConfigError(
    CONTEXT_KEYS.oidcIssuer,
    'an https issuer URL such as https://login.example.com/',
    value,
  );
}

function parseClientId(value: unknown): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value === 'string' && /^[\x21-\x7e]{1,255}$/.test(value)) return value;
  throw new ConfigError(CONTEXT_KEYS.oidcClientId, 'a client id (printable ASCII, no spaces)', value);
}

/** Cognito's rule for a prefix domain: lowercase letters, digits and hyphens, no "aws", "amazon", "cognito". */
function parseDomainPrefix(value: unknown): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (
    typeof value === 'string' &&
    /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(value) &&
    !/aws|amazon|cognito/.test(value)
  ) {
    return value;
  }
  throw new ConfigError(
    CONTEXT_KEYS.authDomainPrefix,
    'lowercase letters, digits and hyphens (1-63), without "aws", "amazon" or "cognito"',
    value,
  );
}

type KeysOf<T> = {
  [K in keyof FaceVerifyConfig]: FaceVerifyConfig[K] extends T ? K : never;
}[keyof FaceVerifyConfig];

function parseInteger(key: KeysOf<number>, value: unknown, min: number, max: number): number {
  if (value === undefined) return DEFAULT_CONFIG[key];
  const parsed = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof parsed === 'number' && Number.isInteger(parsed) && parsed >= min && parsed <= max) return parsed;
  throw new ConfigError(CONTEXT_KEYS[key], `an integer from ${min} to ${max}`, value);
}

function parseBoolean(key: KeysOf<boolean>, value: unknown): boolean {
  if (value === undefined) return DEFAULT_CONFIG[key];
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new ConfigError(CONTEXT_KEYS[key], 'true or false', value);
}

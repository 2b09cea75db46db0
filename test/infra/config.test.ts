import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MODELS } from '../../functions/core/engine.ts';
import { CONTEXT_KEYS, ConfigError, DEFAULT_CONFIG, DETECTORS, readConfig } from '../../infra/config.ts';
import { CATALOG } from '../../layers/models/src/catalog.ts';
import { cdkJsonContext } from './helpers.ts';

const configFrom = (context: Record<string, unknown>) => readConfig(new App({ context }).node);

describe('readConfig', () => {
  it('defaults to sign-in (jwt), so a fresh deploy has a working page and is not open to the internet', () => {
    expect(configFrom({})).toEqual(DEFAULT_CONFIG);
    expect(DEFAULT_CONFIG).toMatchObject({ auth: 'jwt', selfSignUp: false, devOrigin: undefined });
  });

  it('lists in cdk.json exactly the defaults the code falls back to', () => {
    const context = cdkJsonContext();
    const switches = Object.fromEntries(
      Object.values(CONTEXT_KEYS)
        .filter((key) => key in context)
        .map((key) => [key, context[key]]),
    );
    expect(configFrom(switches)).toEqual(DEFAULT_CONFIG);
  });

  it('parses the strings `cdk -c key=value` passes', () => {
    const config = configFrom({
      auth: 'jwt',
      stage: 'prod',
      resultsRetentionDays: '45',
      throttleRateLimit: '50',
      throttleBurstLimit: '100',
      retainData: 'false',
      collectionsDeletionProtection: 'false',
      siteOrigin: 'https://faces.example.com',
      detector: 'facemesh-detection-full',
      authDomainPrefix: 'faces-prod',
      selfSignUp: 'true',
      devOrigin: 'http://localhost:3000',
      oidcIssuer: 'https://login.example.com/',
      oidcClientId: 'faces-web',
    });
    expect(config).toEqual({
      oidcIssuer: 'https://login.example.com/',
      oidcClientId: 'faces-web',
      authDomainPrefix: 'faces-prod',
      selfSignUp: true,
      devOrigin: 'http://localhost:3000',
      auth: 'jwt',
      stage: 'prod',
      resultsRetentionDays: 45,
      throttleRateLimit: 50,
      throttleBurstLimit: 100,
      retainData: false,
      collectionsDeletionProtection: false,
      siteOrigin: 'https://faces.example.com',
      detector: 'facemesh-detection-full',
    });
  });

  it("offers exactly the catalog's detectors, defaulting to the engine's", () => {
    expect([...DETECTORS].sort()).toEqual(
      CATALOG.filter((m) => m.role === 'detector')
        .map((m) => m.name)
        .sort(),
    );
    expect(DEFAULT_CONFIG.detector).toBe(DEFAULT_MODELS.detector);
  });

  it.each([
    [{ auth: 'open' }, /'auth' must be one of iam, jwt, none/],
    [{ stage: 'Prod_1' }, /'stage'/],
    [{ resultsRetentionDays: '0' }, /'resultsRetentionDays' must be an integer from 1/],
    [{ resultsRetentionDays: '1.5' }, /'resultsRetentionDays'/],
    [{ throttleRateLimit: 'fast' }, /'throttleRateLimit'/],
    [
      { throttleRateLimit: 50, throttleBurstLimit: 10 },
      /'throttleBurstLimit' must be at least throttleRateLimit/,
    ],
    [{ retainData: 'yes' }, /'retainData' must be true or false/],
    [{ detector: 'dlib-resnet' }, /'detector' must be one of retinaface-mnet025, /],
    [{ siteOrigin: 'http://faces.example.com' }, /'siteOrigin'/],
    [{ siteOrigin: 'https://faces.example.com/app' }, /'siteOrigin'/],
    [{ siteOrigin: 'https://faces.example.com/' }, /'siteOrigin'/],
    [{ authDomainPrefix: 'Faces' }, /'authDomainPrefix'/],
    [{ authDomainPrefix: 'my-cognito-login' }, /'authDomainPrefix'/],
    [{ selfSignUp: 'yes' }, /'selfSignUp' must be true or false/],
    [{ devOrigin: 'https://localhost:3000' }, /'devOrigin' must be an http:\/\/localhost/],
    [{ devOrigin: 'http://faces.example.com' }, /'devOrigin'/],
    [{ oidcIssuer: 'http://login.example.com/', oidcClientId: 'c' }, /'oidcIssuer' must be an https issuer/],
    [{ oidcIssuer: 'https://login.example.com/' }, /'oidcClientId' must be set together/],
    [{ oidcClientId: 'c' }, /'oidcIssuer' must be set together/],
    [{ oidcIssuer: 'https://login.example.com/', oidcClientId: 'c', auth: 'iam' }, /'auth' must be jwt/],
  ])('rejects %j', (context, message) => {
    expect(() => configFrom(context)).toThrow(ConfigError);
    expect(() => configFrom(context)).toThrow(message);
  });

  it('accepts a localhost origin over http, for a page served by a dev server', () => {
    expect(configFrom({ siteOrigin: 'http://localhost:5173' }).siteOrigin).toBe('http://localhost:5173');
  });
});

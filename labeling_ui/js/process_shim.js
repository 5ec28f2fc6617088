// The vendored bundles keep one development check from nanostores, `process.env.NODE_ENV`,
// which a browser does not define. Say "production" before they load (imported first by the tools).
globalThis.process ??= { env: { NODE_ENV: 'production' } };

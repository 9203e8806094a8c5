/** Jest runs every package's tests from TypeScript sources (type checking is done by `make lint`). */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>'],
  testMatch: ['**/test/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  modulePathIgnorePatterns: ['<rootDir>/.*/dist/'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { isolatedModules: true, tsconfig: 'tsconfig.tests.json' }],
    // jose 6 ships only ES modules; Jest runs CommonJS, so its files are transpiled like our own sources.
    '/node_modules/jose/.+\\.js$': [
      'ts-jest',
      { isolatedModules: true, tsconfig: { allowJs: true, module: 'commonjs', target: 'ES2022' } },
    ],
  },
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
  moduleNameMapper: {
    '^@lanyard\\/base$': '<rootDir>/base/src',
    '^@lanyard\\/base\\/(.*)$': '<rootDir>/base/src/$1',
    '^@lanyard\\/peercred$': '<rootDir>/peercred/src',
    '^@lanyard\\/proto$': '<rootDir>/proto/src',
    '^@lanyard\\/spiffe$': '<rootDir>/spiffe/src',
    '^@lanyard\\/spiffe\\/(.*)$': '<rootDir>/spiffe/src/$1',
    '^@lanyard\\/common$': '<rootDir>/common/src',
    // Every attestor package and its ./agent and ./server entries: a new attestor folder needs no line here.
    '^@lanyard\\/attestor-([a-z0-9-]+)\\/(agent|server)$': '<rootDir>/attestors/$1/src/$2',
    '^@lanyard\\/attestor-([a-z0-9-]+)$': '<rootDir>/attestors/$1/src',
    '^@lanyard\\/test-support$': '<rootDir>/test-support/src',
    '^@lanyard\\/server$': '<rootDir>/server/src',
    '^@lanyard\\/agent$': '<rootDir>/agent/src',
    '^@lanyard\\/oidc-discovery$': '<rootDir>/oidc-discovery/src',
    '^@lanyard\\/helper$': '<rootDir>/helper/src',
    '^@lanyard\\/helper\\/managed$': '<rootDir>/helper/src/managed',
    '^@lanyard\\/e2e$': '<rootDir>/e2e/src',
  },
  testTimeout: 30000,
  maxWorkers: 2,
};

/**
 * End-to-end tests: the real host and module over HTTP, on a real PostgreSQL.
 *
 * Without DATABASE_URL, global-setup starts one fresh embedded cluster per run (removed at the end); with it,
 * that server is used. Either way each worker gets its own database, `pbx_test_<JEST_WORKER_ID>`.
 */
const swc = require('../jest.swc');
const unit = require('../jest.config');

module.exports = {
  rootDir: '..',
  testEnvironment: 'node',
  testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
  // `jose` ships ES modules only, which Jest's CommonJS runtime cannot require on Node 20: compile it like ours.
  transform: { '^.+\\.ts$': swc, '/node_modules/jose/.+\\.js$': swc },
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
  moduleNameMapper: unit.moduleNameMapper,
  setupFiles: ['reflect-metadata'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  // Two cores: more workers only contend for the CPU with PostgreSQL.
  maxWorkers: 2,
  testTimeout: 30_000,
};

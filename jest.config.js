/** Unit specs beside the code: pure logic, no database, no network beyond loopback. */
const swc = require('./jest.swc');

module.exports = {
  rootDir: '.',
  testEnvironment: 'node',
  testMatch: ['<rootDir>/libs/**/*.spec.ts', '<rootDir>/apps/**/*.spec.ts', '<rootDir>/scripts/**/*.spec.ts'],
  transform: { '^.+\\.(ts|js)$': swc },
  // jose 6 ships only ES modules; let swc turn it into CommonJS for Jest.
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
  moduleNameMapper: {
    '^@pbx/microsoft365$': '<rootDir>/libs/microsoft365/src',
    '^@pbx/microsoft365/(.*)$': '<rootDir>/libs/microsoft365/src/$1',
    '^@pbx/m365-emulator$': '<rootDir>/libs/m365-emulator/src',
    '^@pbx/m365-emulator/(.*)$': '<rootDir>/libs/m365-emulator/src/$1',
    '^@pbx/host/(.*)$': '<rootDir>/apps/pbx-host/src/$1',
    '^@pbx/test/(.*)$': '<rootDir>/test/$1',
  },
  setupFiles: ['reflect-metadata'],
};

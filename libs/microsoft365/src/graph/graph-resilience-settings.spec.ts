import { graphResilienceSettingsProvider } from './graph-client.provider';
import { type Microsoft365ModuleOptions } from '../microsoft365-module-options';

const settingsFor = (retries?: Microsoft365ModuleOptions['retries']) =>
  graphResilienceSettingsProvider.useFactory({ retries } as Microsoft365ModuleOptions);

describe('the retry policy limits a host sets (module option `retries`)', () => {
  it('keeps the defaults without the option', () => {
    expect(settingsFor()).toMatchObject({ maxAttempts: 6, retryBudgetPerRun: 500 });
  });

  it('takes the host’s attempts and budget', () => {
    expect(settingsFor({ maxAttempts: 3, retryBudgetPerRun: 0 })).toMatchObject({
      maxAttempts: 3,
      retryBudgetPerRun: 0,
    });
  });

  it.each([
    [{ maxAttempts: 0 }, 'retries.maxAttempts must be an integer from 1 to 20'],
    [{ maxAttempts: 2.5 }, 'retries.maxAttempts must be an integer from 1 to 20'],
    [{ retryBudgetPerRun: -1 }, 'retries.retryBudgetPerRun must be an integer from 0 to 1000000'],
  ])('refuses %j at start-up', (retries, message) => {
    expect(() => settingsFor(retries)).toThrow(message);
  });
});

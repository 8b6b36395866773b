import { RequestContext, TransactionContext } from '@mikro-orm/core';
import { type EntityManager } from '@mikro-orm/postgresql';

/**
 * Runs the method in the caller's request or transaction context when there is one, else in a fresh request
 * context (calls from schedules and background jobs have none). The class needs an `em` property.
 *
 * Unlike MikroORM's `@EnsureRequestContext()`, which inside a transaction forks an EntityManager that no longer
 * belongs to it, this keeps the caller's transaction: when the Microsoft 365 module wraps port calls in a
 * transaction and rolls back, the host's writes roll back with it.
 */
export function EnsureEntityManagerContext() {
  return function <T extends (this: { em: EntityManager }, ...args: never[]) => Promise<unknown>>(
    _target: object,
    _key: string | symbol,
    descriptor: TypedPropertyDescriptor<T>,
  ): void {
    const original = descriptor.value;
    if (!original) {
      return;
    }
    descriptor.value = function (this: { em: EntityManager }, ...args: Parameters<T>) {
      const name = this.em.name;
      if (RequestContext.getEntityManager(name) || TransactionContext.getEntityManager(name)) {
        return original.apply(this, args);
      }
      return RequestContext.create(this.em, () => original.apply(this, args));
    } as T;
  };
}

/**
 * `Symbol.asyncDispose` for `await using`. Node 20 defines it in its main realm as the registered symbol
 * `nodejs.asyncDispose`; other realms (vm contexts, e.g. Jest's) may lack it. Defining it here, with the same
 * registered symbol, lets the Workload API client and sources be disposed the same way everywhere. Imported
 * for its effect by every module that declares a `[Symbol.asyncDispose]` method.
 */
if (typeof Symbol.asyncDispose !== 'symbol') {
  Object.defineProperty(Symbol, 'asyncDispose', { value: Symbol.for('nodejs.asyncDispose') });
}

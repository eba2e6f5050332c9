// AWS `DurablePromise`: a promise whose work starts when it is first awaited (or when
// `.then` / `.catch` / `.finally` is called).

export class DurablePromise {
  /** `executor` is `() => Promise<T>`; it runs at most once, on first use. */
  constructor(executor) {
    if (typeof executor !== 'function') throw new TypeError('DurablePromise needs an executor function');
    this._executor = executor;
    this._promise = undefined;
  }

  /** A DurablePromise over work that has already started. */
  static started(promise) {
    const p = new DurablePromise(() => promise);
    p._promise = Promise.resolve(promise);
    return p;
  }

  _ensure() {
    if (!this._promise) {
      try {
        this._promise = Promise.resolve(this._executor());
      } catch (e) {
        this._promise = Promise.reject(e);
      }
    }
    return this._promise;
  }

  /** Whether the work has started. */
  get isExecuted() {
    return this._promise !== undefined;
  }

  then(onFulfilled, onRejected) {
    return this._ensure().then(onFulfilled, onRejected);
  }

  catch(onRejected) {
    return this._ensure().catch(onRejected);
  }

  finally(onFinally) {
    return this._ensure().finally(onFinally);
  }

  get [Symbol.toStringTag]() {
    return 'DurablePromise';
  }
}

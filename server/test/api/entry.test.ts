import { status } from '@grpc/grpc-js';
import { rpc, rpcError, startTestServer, wid, wireEntry, type TestServer } from './harness';

type Result = { status: { code: number; message: string }; entry?: Record<string, unknown> & { id: string } };
type Created = { results: Result[] };

describe('Entry API over the admin socket', () => {
  let ts: TestServer;
  const create = (entries: object[], extra: object = {}) =>
    rpc<Created>((cb) => ts.admin.entry.BatchCreateEntry({ entries, ...extra }, cb));
  const count = async (filter: object = {}) =>
    (await rpc<{ count: number }>((cb) => ts.admin.entry.CountEntries({ filter }, cb))).count;

  beforeAll(async () => {
    ts = await startTestServer({ maxBatchSize: 50 });
  });
  afterAll(async () => ts.stop());

  it('creates an entry and reads it back with every field', async () => {
    const res = await create([
      {
        ...wireEntry('/full', '/node'),
        x509_svid_ttl: 120,
        jwt_svid_ttl: 60,
        dns_names: ['full.example.org'],
        admin: true,
        hint: 'db',
        expires_at: 4_000_000_000,
      },
    ]);
    expect(res.results[0].status).toEqual({ code: 0, message: 'OK' });
    const id = res.results[0].entry!.id;
    const got = await rpc<Record<string, unknown>>((cb) => ts.admin.entry.GetEntry({ id }, cb));
    expect(got).toMatchObject({
      id,
      spiffe_id: wid('/full'),
      parent_id: wid('/node'),
      selectors: [{ type: 'unix', value: 'uid:1000' }],
      x509_svid_ttl: 120,
      jwt_svid_ttl: 60,
      dns_names: ['full.example.org'],
      admin: true,
      hint: 'db',
      expires_at: 4_000_000_000,
      revision_number: 0,
    });
  });

  it('returns ALREADY_EXISTS with the existing entry for a similar entry', async () => {
    const first = await create([wireEntry('/dup', '/node', [{ type: 'k8s', value: 'ns:a' }])]);
    const second = await create([wireEntry('/dup', '/node', [{ type: 'k8s', value: 'ns:a' }])]);
    expect(second.results[0].status).toEqual({
      code: status.ALREADY_EXISTS,
      message: 'similar entry already exists',
    });
    expect(second.results[0].entry!.id).toBe(first.results[0].entry!.id);
  });

  it('honours a client-supplied entry ID and rejects bad ones', async () => {
    const ok = await create([{ ...wireEntry('/custom', '/node'), id: 'my-entry.1' }]);
    expect(ok.results[0].entry!.id).toBe('my-entry.1');
    const bad = await create([{ ...wireEntry('/custom2', '/node'), id: 'bad id!' }]);
    expect(bad.results[0].status.code).toBe(status.INVALID_ARGUMENT);
    expect(bad.results[0].status.message).toContain('entry ID contains invalid characters');
  });

  it.each([
    ['invalid SPIFFE ID path', { spiffe_id: wid('/a//b') }, 'invalid spiffe ID'],
    ['uppercase trust domain', { spiffe_id: wid('/a', 'Example.org') }, 'invalid spiffe ID'],
    ['reserved namespace', { spiffe_id: wid('/spire/agent/x') }, 'path is in the reserved namespace'],
    ['selector without type', { selectors: [{ type: '', value: 'x' }] }, 'missing selector type'],
    ['selector without value', { selectors: [{ type: 'unix', value: '' }] }, 'missing selector value'],
    ['no selectors', { selectors: [] }, 'selector list is empty'],
    ['negative x509 TTL', { x509_svid_ttl: -1 }, 'X509SvidTtl is not set'],
    ['negative JWT TTL', { jwt_svid_ttl: -5 }, 'JwtSvidTtl is not set'],
    [
      'foreign-TD parent',
      { parent_id: wid('/node', 'other.org') },
      'is not a member of trust domain "example.org"',
    ],
    ['root parent', { parent_id: wid('') }, 'path is empty'],
    ['bad DNS name', { dns_names: ['-bad-.example'] }, 'invalid DNS name'],
    ['bad federated TD', { federates_with: ['UPPER'] }, 'invalid federated trust domain'],
    [
      'store_svid with prefetch disabled',
      { store_svid: true, additional_attributes: { disable_x509_svid_prefetch: true } },
      'specifying cache behaviour is incompatible with storable SVIDs',
    ],
    ['hint too long', { hint: 'h'.repeat(1025) }, 'hint is too long, max length is 1024 characters'],
  ])('rejects %s per item with InvalidArgument and stores nothing', async (_name, patch, message) => {
    const before = await count();
    const res = await create([
      { ...wireEntry('/bad', '/node'), ...patch },
      wireEntry('/good-' + before, '/node'),
    ]);
    expect(res.results[0].status.code).toBe(status.INVALID_ARGUMENT);
    expect(res.results[0].status.message).toContain(message);
    expect(res.results[0].entry).toBeFalsy();
    expect(res.results[1].status.code).toBe(status.OK);
    expect(await count()).toBe(before + 1);
  });

  it('rejects an oversized batch as a whole and stores nothing', async () => {
    const before = await count();
    const entries = Array.from({ length: 51 }, (_, i) => wireEntry(`/big/${i}`, '/node'));
    const err = await rpcError(create(entries));
    expect(err.code).toBe(status.INVALID_ARGUMENT);
    expect(err.details).toBe('entries: batch of 51 exceeds the limit of 50');
    expect(await count()).toBe(before);
  });

  it('requires a federated bundle for federates_with', async () => {
    const res = await create([{ ...wireEntry('/fed', '/node'), federates_with: ['spiffe://nobundle.org'] }]);
    expect(res.results[0].status.code).not.toBe(status.OK);
    expect(res.results[0].status.message).toMatch(/^failed to create entry: /);
  });

  it('GetEntry: missing ID is InvalidArgument, unknown ID NotFound', async () => {
    expect(await rpcError(rpc((cb) => ts.admin.entry.GetEntry({ id: '' }, cb)))).toEqual({
      code: status.INVALID_ARGUMENT,
      details: 'missing ID',
    });
    expect(await rpcError(rpc((cb) => ts.admin.entry.GetEntry({ id: 'nope' }, cb)))).toEqual({
      code: status.NOT_FOUND,
      details: 'entry not found',
    });
  });

  it('lists with filters, output masks and pagination', async () => {
    await create([
      wireEntry('/list/a', '/lister', [
        { type: 'k8s', value: 'ns:x' },
        { type: 'k8s', value: 'sa:y' },
      ]),
      wireEntry('/list/b', '/lister', [{ type: 'k8s', value: 'ns:x' }]),
      wireEntry('/list/c', '/lister', [{ type: 'k8s', value: 'sa:y' }]),
    ]);
    type Listed = {
      entries: Array<{ id: string; spiffe_id: { path: string } | null; selectors: unknown[] }>;
      next_page_token: string;
    };
    const list = (req: object) => rpc<Listed>((cb) => ts.admin.entry.ListEntries(req, cb));
    const byParent = { by_parent_id: wid('/lister') };
    const paths = (l: Listed) => l.entries.map((e) => e.spiffe_id!.path).sort();
    expect(paths(await list({ filter: byParent }))).toEqual(['/list/a', '/list/b', '/list/c']);
    const sel = (match: string, selectors: object[]) => ({
      filter: { ...byParent, by_selectors: { selectors, match } },
    });
    expect(paths(await list(sel('MATCH_SUPERSET', [{ type: 'k8s', value: 'ns:x' }])))).toEqual([
      '/list/a',
      '/list/b',
    ]);
    expect(paths(await list(sel('MATCH_EXACT', [{ type: 'k8s', value: 'ns:x' }])))).toEqual(['/list/b']);
    expect(paths(await list(sel('MATCH_SUBSET', [{ type: 'k8s', value: 'sa:y' }])))).toEqual(['/list/c']);
    expect(paths(await list(sel('MATCH_ANY', [{ type: 'k8s', value: 'sa:y' }])))).toEqual([
      '/list/a',
      '/list/c',
    ]);
    const masked = await list({ filter: byParent, output_mask: { spiffe_id: true } });
    expect(masked.entries[0].selectors).toEqual([]);
    expect(masked.entries[0].spiffe_id).not.toBeNull();
    const seen: string[] = [];
    let token = '';
    for (let i = 0; i < 10; i++) {
      const page = await list({ filter: byParent, page_size: 2, page_token: token });
      expect(page.entries.length).toBeLessThanOrEqual(2);
      seen.push(...page.entries.map((e) => e.id));
      token = page.next_page_token;
      if (token === '') break;
    }
    expect(new Set(seen).size).toBe(3);
  });

  it('rejects malformed filters', async () => {
    const err = await rpcError(
      rpc((cb) =>
        ts.admin.entry.ListEntries({ filter: { by_selectors: { selectors: [], match: 'MATCH_EXACT' } } }, cb),
      ),
    );
    expect(err).toEqual({
      code: status.INVALID_ARGUMENT,
      details: 'malformed selectors filter: empty selector set',
    });
    const err2 = await rpcError(
      rpc((cb) => ts.admin.entry.CountEntries({ filter: { by_parent_id: wid('/a/') } }, cb)),
    );
    expect(err2.code).toBe(status.INVALID_ARGUMENT);
    expect(err2.details).toMatch(/^malformed parent ID filter: /);
  });

  it('updates only masked fields and bumps the revision', async () => {
    const id = (await create([wireEntry('/upd', '/node')])).results[0].entry!.id;
    const res = await rpc<Created>((cb) =>
      ts.admin.entry.BatchUpdateEntry(
        {
          entries: [{ id, hint: 'new-hint', x509_svid_ttl: 999, selectors: [] }],
          input_mask: { hint: true },
        },
        cb,
      ),
    );
    expect(res.results[0].status.code).toBe(status.OK);
    const got = await rpc<Record<string, unknown>>((cb) => ts.admin.entry.GetEntry({ id }, cb));
    expect(got).toMatchObject({ hint: 'new-hint', x509_svid_ttl: 0, revision_number: 1 });
    expect(got.selectors).toEqual([{ type: 'unix', value: 'uid:1000' }]);
  });

  it('stores additional_attributes, returns them and updates them only under their mask', async () => {
    const created = await create([
      {
        ...wireEntry('/attrs', '/node'),
        additional_attributes: { jwt_svid_include_jti: true, disable_x509_svid_prefetch: false },
      },
    ]);
    expect(created.results[0].entry!.additional_attributes).toEqual({
      jwt_svid_include_jti: true,
      disable_x509_svid_prefetch: false,
    });
    const id = created.results[0].entry!.id;
    const attrsOf = async () =>
      (await rpc<Record<string, unknown>>((cb) => ts.admin.entry.GetEntry({ id }, cb))).additional_attributes;
    expect(await attrsOf()).toEqual({ jwt_svid_include_jti: true, disable_x509_svid_prefetch: false });
    const flipped = { jwt_svid_include_jti: false, disable_x509_svid_prefetch: true };
    const update = (input_mask: object) =>
      rpc<Created>((cb) =>
        ts.admin.entry.BatchUpdateEntry(
          { entries: [{ ...wireEntry('/attrs', '/node'), id, additional_attributes: flipped }], input_mask },
          cb,
        ),
      );
    expect((await update({ hint: true })).results[0].status.code).toBe(status.OK);
    expect(await attrsOf()).toEqual({ jwt_svid_include_jti: true, disable_x509_svid_prefetch: false });
    expect((await update({ additional_attributes: true })).results[0].status.code).toBe(status.OK);
    expect(await attrsOf()).toEqual(flipped);
    const withoutAttrs = await rpc<Created>((cb) =>
      ts.admin.entry.BatchUpdateEntry({ entries: [{ ...wireEntry('/attrs', '/node'), id, hint: 'x' }] }, cb),
    );
    expect(withoutAttrs.results[0].status.code).toBe(status.OK);
    expect(await attrsOf()).toEqual(flipped);
  });

  it('update: unknown entry is NotFound, invalid masked field changes nothing', async () => {
    const id = (await create([wireEntry('/upd2', '/node')])).results[0].entry!.id;
    const res = await rpc<Created>((cb) =>
      ts.admin.entry.BatchUpdateEntry(
        {
          entries: [
            { id: 'missing-entry', hint: 'x' },
            { id, selectors: [{ type: '', value: 'v' }] },
          ],
          input_mask: { hint: true, selectors: true },
        },
        cb,
      ),
    );
    expect(res.results[0].status).toEqual({ code: status.NOT_FOUND, message: 'entry not found' });
    expect(res.results[1].status.code).toBe(status.INVALID_ARGUMENT);
    const got = await rpc<Record<string, unknown>>((cb) => ts.admin.entry.GetEntry({ id }, cb));
    expect(got.revision_number).toBe(0);
  });

  it('deletes entries with per-ID statuses', async () => {
    const id = (await create([wireEntry('/del', '/node')])).results[0].entry!.id;
    const res = await rpc<{ results: Array<{ status: { code: number; message: string }; id: string }> }>(
      (cb) => ts.admin.entry.BatchDeleteEntry({ ids: [id, id, ''] }, cb),
    );
    expect(res.results.map((r) => [r.status.code, r.status.message])).toEqual([
      [status.OK, 'OK'],
      [status.NOT_FOUND, 'entry not found'],
      [status.INVALID_ARGUMENT, 'missing entry ID'],
    ]);
  });
});

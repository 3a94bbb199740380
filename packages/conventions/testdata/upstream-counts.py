# The counts that src/upstream/model.test.ts asserts, computed apart from Cairn: its own reading
# of Weaver's rules over the YAML (python3 + PyYAML). Usage: python3 upstream-counts.py MODEL_DIR
# v2 items get ids metric.<name>/span.<type>/event.<name>/entity.<type>; refinements extend the item
# they refine; extends chains and ref_group take in attribute keys; a v1 prefix is prepended.
import os, sys, yaml, collections
root = sys.argv[1]
groups = {}
for d, _, files in os.walk(root):
    for f in files:
        if not f.endswith(('.yaml', '.yml')) or (d == root and f in ('manifest.yaml', 'registry_manifest.yaml')): continue
        doc = yaml.safe_load(open(os.path.join(d, f)))
        if not isinstance(doc, dict): continue
        if doc.get('file_format') == 'definition/2':
            def refs(items):
                keys, inc = [], []
                for a in items or []:
                    if 'ref_group' in a: inc.append(a['ref_group'])
                    else: keys.append(a['ref'])
                return keys, inc
            if doc.get('attributes'):
                groups['registry.' + os.path.relpath(os.path.join(d, f), root)[:-5]] = ('attribute_group', [a['key'] for a in doc['attributes']], [], None)
            for sec, typ, name, pre in [('attribute_groups','attribute_group','id',''),('metrics','metric','name','metric.'),('spans','span','type','span.'),('events','event','name','event.'),('entities','entity','type','entity.')]:
                for it in doc.get(sec) or []:
                    if typ == 'entity':
                        k, inc = refs((it.get('identity') or []) + (it.get('description') or []))
                    else:
                        k, inc = refs(it.get('attributes'))
                    groups[pre + it[name]] = (typ, k, inc, None)
            for sec, typ in [('metric_refinements','metric'),('span_refinements','span'),('event_refinements','event'),('entity_refinements','entity')]:
                for it in doc.get(sec) or []:
                    k, inc = refs(it.get('attributes') if typ != 'entity' else it.get('description'))
                    groups[it['id']] = (typ, k, inc, typ + '.' + it['ref'])
        else:
            for g in doc.get('groups') or []:
                keys = []
                for a in g.get('attributes') or []:
                    if 'ref' in a: keys.append(a['ref'])
                    else: keys.append((g['prefix'] + '.' if g.get('prefix') else '') + a['id'])
                t = 'entity' if g['type'] == 'resource' else g['type']
                groups[g['id']] = (t, keys, [], g.get('extends'))
memo = {}
def resolve(gid):
    if gid in memo: return memo[gid]
    typ, keys, inc, ext = groups[gid]
    out = []
    if ext: out += resolve(ext)
    for i in inc:
        out += [k for k in resolve(i) if k not in out]
    out += [k for k in keys if k not in out]
    memo[gid] = out
    return out
by = collections.defaultdict(lambda: [0, 0, 0])
for gid, (typ, *_ ) in groups.items():
    attrs = resolve(gid)
    by[typ][0] += 1; by[typ][1] += len(attrs); by[typ][2] += (len(attrs) == 0)
for t in sorted(by): print(t, 'groups', by[t][0], 'attribute-memberships', by[t][1], 'without-attributes', by[t][2])
print('metric.hw.host.energy', resolve('metric.hw.host.energy'))
print('attributes.http.client', resolve('attributes.http.client') if 'attributes.http.client' in groups else None)

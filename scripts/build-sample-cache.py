#!/usr/bin/env python3
"""Builds resources/sample-cache/: the bundled openFDA sample records written as the earlier Python
tool wrote its cache (one API response per <16 hex>.json file, in the integrity envelope whose
checksum is SHA-256 of json.dumps(data, sort_keys=True, separators=(',', ':'))). Run by hand when
resources/samples changes; the output is committed."""
import hashlib, json, os, sys

root = os.path.join(os.path.dirname(__file__), '..', 'resources')
out = os.path.join(root, 'sample-cache')
os.makedirs(out, exist_ok=True)
codes = set()
for i, endpoint in enumerate(['510k', 'classification', 'event', 'recall', 'pma', 'udi', 'enforcement']):
    with open(os.path.join(root, 'samples', f'device-{endpoint}.sample.json')) as f:
        data = json.load(f)
    for r in data['results']:
        if isinstance(r.get('product_code'), str):
            codes.add(r['product_code'])
    url = f'https://api.fda.gov/device/{endpoint}.json?limit=100'
    envelope = {
        '_integrity_version': '1.0',
        '_checksum_algorithm': 'sha256',
        '_checksum': hashlib.sha256(json.dumps(data, sort_keys=True, separators=(',', ':')).encode()).hexdigest(),
        '_cached_at': 1764000000.0 + i * 3600.5,
        'data': data,
    }
    name = hashlib.sha256(url.encode()).hexdigest()[:16] + '.json'
    with open(os.path.join(out, name), 'w') as f:
        json.dump(envelope, f)
with open(os.path.join(out, 'all_product_codes.json'), 'w') as f:
    json.dump({'codes': sorted(codes), 'total': len(codes)}, f)
print(f'wrote {out}', file=sys.stderr)

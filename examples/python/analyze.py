"""Face liveness on photos, videos (MP4, MOV, WebM) and ZIP shot sets: python analyze.py FILE [FILE ...]"""

import sys

import ozinstant

engine = ozinstant.Engine()  # loads the models once; share it between threads
status = 0
for path in sys.argv[1:]:
    try:
        result = engine.analyze(path)  # also takes bytes or a numpy RGB array
    except ozinstant.OzInstantError as err:  # unreadable file, not an image, ...
        print(f"{path}: error {err.code}: {err}", file=sys.stderr)
        status = 1
        continue
    verdict = result.resolution if result.reason is None else f"{result.resolution} ({result.reason})"
    print(f"{path}: {verdict}, score {result.confidence_spoofing}")
sys.exit(status)

"""Reads an extracted snippet with readers nobody on zarrwlr wrote: the guano package for its
GUANO chunk and soundfile (libsndfile) for its samples, compared with the same range of the
source file. Prints one JSON object.

usage: snippet_reference.py SNIPPET SOURCE START END
"""
import json
import sys

import guano
import numpy
import soundfile

snippet, source, start, end = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
g = guano.GuanoFile(snippet)
timestamp = g.get("Timestamp")
fields = {key: str(value) for key, value in g.items()}
ours = soundfile.read(snippet, dtype="int32", always_2d=True)[0]
theirs = soundfile.read(source, dtype="int32", always_2d=True, start=start, stop=end)[0]
print(json.dumps({
    "fields": fields,
    "timestamp_parsed": None if isinstance(timestamp, str) or timestamp is None else timestamp.isoformat(),
    "samples_equal": bool(ours.shape == theirs.shape and numpy.array_equal(ours, theirs)),
    "frames": int(ours.shape[0]),
}))

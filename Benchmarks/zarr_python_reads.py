"""Times zarr-python 3 reading byte ranges of 1-D uint8 arrays; called by ZarrBenchmarks.

Input: a JSON request {store, layouts, offsets, read_bytes}. Output (stdout): JSON with the
zarr-python version and, per layout, the microseconds of each timed read, in request order.
"""
import json
import sys
import time

import zarr

request = json.load(open(sys.argv[1]))
n = request["read_bytes"]
result = {"version": zarr.__version__}
for layout in request["layouts"]:
    array = zarr.open_array(request["store"], path=layout, mode="r")
    for offset in request["offsets"][:10]:  # warm-up, as on the Swift side
        array[offset:offset + n]
    times = []
    for offset in request["offsets"]:
        start = time.perf_counter_ns()
        data = array[offset:offset + n]
        times.append((time.perf_counter_ns() - start) / 1000.0)
        assert data.nbytes == n
    result[layout] = times
json.dump(result, sys.stdout)

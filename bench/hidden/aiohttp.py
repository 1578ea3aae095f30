"""Stands in for aiohttp in the services a benchmark starts (see bench/stack.py).

Only the benchmark's clients need aiohttp. python-socketio imports it in every process
where it is installed, which would add about 10 MB to the api worker and the bridge
that their images (which do not install it) never carry.
"""

raise ImportError("aiohttp is hidden from the services under benchmark")

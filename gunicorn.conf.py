"""gunicorn's settings for this app, read from the directory gunicorn starts in (the project's root).

After a worker has loaded the app, everything it holds then -- modules, the app, its routes and
templates, about 190,000 objects -- is moved out of the garbage collector's sight (`gc.freeze`): none
of it is ever garbage, and a full collection walked it all every time (about 100 ms on a small
machine, a pause some request waits through). Collections then walk only what requests create.
"""

import gc


def post_worker_init(worker):
    gc.collect()
    gc.freeze()

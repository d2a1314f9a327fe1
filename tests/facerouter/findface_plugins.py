"""Plugins written the way FindFace's documentation and public plugins write them, for the
end-to-end test: FindFace's imports, `self.ctx.sfapi['default']` as a gallery, tornado's `app`
and `request`, `bbox.left` and `bbox[0]`, prints, a duck-typed plugin, paging through search
results, tornado's HTTP client. They are run as they are: nothing in them is sfdesk's.

`observer` serves what the others saw at `GET /observer/events` (a handler added with
`app.add_handlers`); `matcher` posts its events there with tornado's `AsyncHTTPClient`.
"""

OBSERVER = '''
import json

import tornado.web
from facerouter.plugin import Plugin

EVENTS = []


class Events(tornado.web.RequestHandler):
    def get(self):
        self.set_header("Content-Type", "application/json")
        self.write(json.dumps(EVENTS))

    def post(self):
        EVENTS.append(json.loads(self.request.body))
        self.write({"stored": len(EVENTS)})


class Observer(Plugin):
    def note(self, event):
        EVENTS.append(event)

    async def preprocess(self, request, labels):
        return ()


def activate(app, ctx, plugin_name, plugin_source):
    print("observer: serving events on", app)
    app.add_handlers(r".*", [(r"/observer/events", Events)])
    return Observer(ctx)
'''

MATCHER = '''
import json

import tornado.httpclient
from ntech import sfapi_client
from facerouter.plugin import Plugin


class Matcher(Plugin):
    async def preprocess(self, request, labels):
        return 'facen',

    async def process(self, request, photo, bbox, event_id, detection):
        gallery = self.ctx.sfapi['default']
        res = await gallery.list(
            filters=[sfapi_client.filters.Detection(detection.id, 0.75)], limit=1
        )
        print('matched', res)
        best = next(iter(res), None)
        event = {
            "plugin": "matcher",
            "event_id": event_id,
            "cam": request.params.cam_id,
            "labels": request.params.labels,
            "bs_type": request.params.bs_type,
            "box": [bbox.left, bbox.top, bbox.right, bbox.bottom],
            "box0": bbox[0],
            "features": sorted(detection.features),
            "match": None if best is None else {
                "gallery": best.id.gallery, "face": best.id.face,
                "confidence": best.confidence, "meta": best.meta,
            },
        }
        await tornado.httpclient.AsyncHTTPClient().fetch(
            "http://%s/observer/events" % request.host,
            method="POST",
            body=json.dumps(event),
            headers={"Content-Type": "application/json"},
            request_timeout=10,
        )


def activate(app, ctx, plugin_name, plugin_source):
    print('app', app)
    print('ctx', ctx)
    return Matcher(ctx)
'''

INSPECTOR = '''
from facerouter.plugin import Plugin


class Inspector(Plugin):
    async def preprocess(self, request, labels):
        return ['gender', 'age']

    async def process(self, request, photo, bbox, event_id, detection):
        photo_part = request.files['photo'][0]
        self.ctx.plugins['observer'].note({
            "plugin": "inspector",
            "method": request.method,
            "uri": request.uri,
            "path": request.path,
            "remote_ip": request.remote_ip,
            "host": request.host,
            "body_bytes": len(request.body),
            "content_length": int(request.headers['Content-Length']),
            "content_type": request.headers.get('Content-Type', '').split(';')[0],
            "photo_is_the_part": photo_part['body'] == photo == request.params.photo,
            "photo_filename": photo_part.filename,
            "face0_type": request.files['face0'][0].content_type,
            "cam_argument": request.arguments['cam_id'][0].decode(),
            "bbox_argument": request.body_arguments['bbox'][0].decode(),
            "bbox_param": request.params.bbox,
            "timestamp_tz": request.params.timestamp.utcoffset().total_seconds(),
            "track": request.params.detectorParams.get('track', {}).get('id'),
            "gender": detection.features.get('gender'),
            "age": detection.features.get('age'),
            "same_ctx": request.ctx is self.ctx,
        })


def activate(app, ctx, plugin_name, plugin_source):
    return Inspector(ctx)
'''

PAGER = '''
from ntech import sfapi_client
from facerouter.plugin import Plugin


class Pager(Plugin):
    async def preprocess(self, request, labels):
        return ('facen',)

    async def process(self, request, photo, bbox, event_id, detection):
        galleries = await self.ctx.sfapi.list_galleries()
        gallery = self.ctx.sfapi['default']
        seen, pages, page = [], 0, None
        while True:
            res = await gallery.list(
                filters=[sfapi_client.filters.Detection(detection, 0.0)], limit=2, page=page
            )
            pages += 1
            seen.extend((f.id.face, f.confidence) for f in res)
            if not res.next_page:
                break
            page = res.next_page
        self.ctx.plugins['observer'].note({
            "plugin": "pager",
            "galleries": sorted(g.name for g in galleries),
            "pages": pages,
            "seen": seen,
        })


def activate(app, ctx, plugin_name, plugin_source):
    return Pager(ctx)
'''

DUCK = '''
class Duck:
    """Not a facerouter.plugin.Plugin: any object with the hooks will do."""

    def __init__(self, ctx):
        self.ctx = ctx

    async def preprocess(self, request, labels):
        return ('facen',)

    def process(self, request, photo, bbox, event_id, detection):
        print("duck saw", event_id)
        self.ctx.plugins['observer'].note({
            "plugin": "duck", "x1": bbox[0][0], "left": bbox.left, "y2": bbox[0][3],
            "bottom": bbox.bottom, "equal_to_list": bbox == [list(bbox[0])],
        })


def activate(app, ctx, plugin_name, plugin_source):
    return Duck(ctx)
'''

#: name -> source of every plugin of the end-to-end run.
PLUGINS = {
    "observer": OBSERVER,
    "matcher": MATCHER,
    "inspector": INSPECTOR,
    "pager": PAGER,
    "duck": DUCK,
}

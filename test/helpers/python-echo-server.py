"""Echo servers of Debian's Python WebSocket libraries, for checking wstest's server suite.

usage: /usr/bin/python3 python-echo-server.py websockets|aiohttp|tornado PORT
Listens on 127.0.0.1:PORT, echoes every message with its type, prints "listening" when ready.
permessage-deflate is enabled where the library supports it.
"""
import asyncio
import sys

KIND, PORT = sys.argv[1], int(sys.argv[2])


async def run_websockets():
    import websockets

    async def echo(ws, path=None):
        try:
            async for message in ws:
                await ws.send(message)
        except websockets.ConnectionClosed:
            pass

    # As websockets' own Autobahn server (compliance/test_server.py): max_size raised for section 9's
    # 16 MiB messages, max_queue=1.
    async with websockets.serve(echo, "127.0.0.1", PORT, max_size=2**25, max_queue=1, compression="deflate"):
        print("listening", flush=True)
        await asyncio.Future()


async def run_aiohttp():
    from aiohttp import web, WSMsgType

    async def handler(request):
        ws = web.WebSocketResponse(compress=True, max_msg_size=0)
        await ws.prepare(request)
        async for msg in ws:
            if msg.type == WSMsgType.TEXT:
                await ws.send_str(msg.data)
            elif msg.type == WSMsgType.BINARY:
                await ws.send_bytes(msg.data)
        return ws

    app = web.Application()
    app.router.add_get("/", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", PORT).start()
    print("listening", flush=True)
    await asyncio.Future()


async def run_tornado():
    import tornado.web
    import tornado.websocket

    class Echo(tornado.websocket.WebSocketHandler):
        def on_message(self, message):
            self.write_message(message, binary=isinstance(message, bytes))

        def get_compression_options(self):
            return {}

    app = tornado.web.Application([(r"/", Echo)], websocket_max_message_size=64 * 1024 * 1024)
    app.listen(PORT, address="127.0.0.1")
    print("listening", flush=True)
    await asyncio.Future()


asyncio.run({"websockets": run_websockets, "aiohttp": run_aiohttp, "tornado": run_tornado}[KIND]())

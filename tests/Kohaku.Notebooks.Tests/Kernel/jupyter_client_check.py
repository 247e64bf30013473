"""Drives the .net-csharp kernel through jupyter_client, as JupyterLab, nbclient and papermill do,
and writes what came back as one JSON object to the file named by argv[1] (the kernel shares this
process's stdout, so stdout is no place for the summary). JupyterHostTests asserts on it.
Needs JUPYTER_PATH to reach the kernelspec written by `kohaku kernel install --prefix`."""
import json
import os
import sys
import time
from collections import defaultdict

from jupyter_client.manager import KernelManager, start_new_kernel

TIMEOUT = 180
STARTUP_TIMEOUT = 300
PROGRESS = """var progress = Progress.Create();
for (var i = 1; i <= 3; i++) progress.Report(new Kohaku.Data.StageProgress("steps", i, 3));
Cell.IsHeadless"""


class Client:
    """Keeps every iopub message by the request it answers, so requests can overlap."""

    def __init__(self, kc):
        self.kc = kc
        self.iopub = defaultdict(list)

    def reply(self, get_msg, msg_id):
        deadline = time.monotonic() + TIMEOUT
        while True:
            msg = get_msg(timeout=max(0.1, deadline - time.monotonic()))
            if msg["parent_header"].get("msg_id") == msg_id:
                return msg

    def wait_iopub(self, msg_id, done):
        deadline = time.monotonic() + TIMEOUT
        while not any(done(m) for m in self.iopub[msg_id]):
            msg = self.kc.get_iopub_msg(timeout=max(0.1, deadline - time.monotonic()))
            self.iopub[msg["parent_header"].get("msg_id")].append({"msg_type": msg["msg_type"], "content": msg["content"]})
        return self.iopub[msg_id]

    def finish(self, get_msg, msg_id):
        reply = self.reply(get_msg, msg_id)
        seen = self.wait_iopub(msg_id, lambda m: m["msg_type"] == "status" and m["content"]["execution_state"] == "idle")
        return {"msg_type": reply["msg_type"], "content": reply["content"], "iopub": seen}

    def shell(self, msg_id):
        return self.finish(self.kc.get_shell_msg, msg_id)

    def control(self, msg_type, content):
        msg = self.kc.session.msg(msg_type, content)
        self.kc.control_channel.send(msg)
        return self.finish(self.kc.get_control_msg, msg["header"]["msg_id"])


def interrupt(client):
    """A cell that never polls its cancellation token, stopped by interrupt_request on control."""
    msg_id = client.kc.execute("while (true) System.Threading.Thread.Sleep(10);")
    client.wait_iopub(msg_id, lambda m: m["msg_type"] == "execute_input")
    time.sleep(2)
    result = {"interrupt": client.control("interrupt_request", {}), "cell": client.shell(msg_id)}
    result["after"] = client.shell(client.kc.execute("1 + 1"))
    return result


def main(out_path):
    env = {k: v for k, v in os.environ.items() if k != "KOHAKU_HEADLESS"}
    # The headless kernel starts first, so the two startups overlap.
    headless_km = KernelManager(kernel_name=".net-csharp")
    headless_km.start_kernel(env={**env, "KOHAKU_HEADLESS": "1"})
    km, kc = start_new_kernel(kernel_name=".net-csharp", startup_timeout=STARTUP_TIMEOUT, env=env)
    client = Client(kc)
    summary = {"interrupt_mode": km.kernel_spec.interrupt_mode}
    try:
        summary["kernel_info"] = client.shell(kc.kernel_info())
        summary["execute"] = client.shell(kc.execute('Console.WriteLine("out");\n6 * 7'))
        summary["progress"] = client.shell(kc.execute(PROGRESS))
        # nbclient (papermill, nbconvert --execute) sends allow_stdin false: headless for that request.
        summary["nbclient_progress"] = client.shell(kc.execute(PROGRESS, allow_stdin=False))
        summary["throw"] = client.shell(kc.execute('throw new InvalidOperationException("boom");'))
        summary["compile_error"] = client.shell(kc.execute("undefinedName + 1"))
        code = 'var s = "\U0001F600\u00e9";\ns.Len'
        summary["complete"] = client.shell(kc.complete(code, len(code)))
        summary["complete_code"] = code
        summary["inspect"] = client.shell(kc.inspect("Console.WriteLine", len("Console.WriteLine")))
        summary["is_complete_open"] = client.shell(kc.is_complete("for (var i = 0; i < 3; i++) {"))
        summary["is_complete_done"] = client.shell(kc.is_complete("var x = 1;"))
        summary["comm_info"] = client.shell(kc.comm_info())
        summary["history"] = client.shell(kc.history())
        summary.update(interrupt(client))
        summary["heartbeat"] = kc.hb_channel.is_beating()

        hc = headless_km.client()
        hc.start_channels()
        hc.wait_for_ready(timeout=STARTUP_TIMEOUT)
        summary["headless_progress"] = Client(hc).shell(hc.execute(PROGRESS))
        hc.stop_channels()

        summary["shutdown"] = client.control("shutdown_request", {"restart": False})
        deadline = time.monotonic() + 20
        while km.is_alive() and time.monotonic() < deadline:
            time.sleep(0.2)
        summary["exited_after_shutdown"] = not km.is_alive()
    finally:
        kc.stop_channels()
        for manager in (km, headless_km):
            if manager.is_alive():
                manager.shutdown_kernel(now=True)
            manager.cleanup_resources()
        with open(out_path, "w", encoding="utf-8") as f:
            json.dump(summary, f, ensure_ascii=False)


if __name__ == "__main__":
    main(sys.argv[1])

"""The program runner of our Python language host (main.go starts it as `python -u -c <this>`).

It connects PyPI's `pulumi` to the engine and runs the program: the stack config from
PULUMI_CONFIG / PULUMI_CONFIG_SECRET_KEYS (keys as `veza:url`), the runtime's settings from the
flags the host passes (the names Pulumi's own host uses), then the program (`__main__.py` of the
program directory, or a file) as `__main__` inside the SDK's stack. Everything the program does is
the SDK's own code. Exit 32: the error was already logged to the engine, so the host bails.
"""
import argparse
import asyncio
import os
import runpy
import sys
import traceback

try:
    import pulumi
    import pulumi.runtime
except ImportError:
    print(traceback.format_exc(), file=sys.stderr)
    print("PyPI's pulumi is not installed for this python (set the virtualenv runtime option in Pulumi.yaml)", file=sys.stderr)
    sys.exit(1)

LOGGED = 32

flags = argparse.ArgumentParser(prog="pulumi-language-python (veza tests)")
for name in ("monitor", "engine", "organization", "project", "root_directory", "stack", "pwd", "dry_run", "parallel"):
    flags.add_argument("--" + name)
flags.add_argument("program")
flags.add_argument("args", nargs="*")
a = flags.parse_args()

pulumi.runtime.set_all_config(pulumi.runtime.get_config_env(), pulumi.runtime.get_config_secret_keys_env())
pulumi.runtime.configure(
    pulumi.runtime.Settings(
        project=a.project,
        stack=a.stack,
        monitor=a.monitor,
        engine=a.engine,
        parallel=int(a.parallel) if a.parallel else None,
        dry_run=a.dry_run == "true",
        organization=a.organization,
        root_directory=a.root_directory,
    )
)
if a.pwd:
    os.chdir(a.pwd)
sys.argv = [a.program, *a.args]

loop = asyncio.new_event_loop()
asyncio.set_event_loop(loop)
code = 0
try:
    loop.run_until_complete(pulumi.runtime.run_in_stack(lambda: runpy.run_path(a.program, run_name="__main__")))
except pulumi.RunError as e:
    pulumi.log.error(str(e))
    code = LOGGED
except Exception:  # the program's own failure: shown to the user through the engine
    pulumi.log.error("Program failed with an unhandled exception:\n" + traceback.format_exc())
    code = LOGGED
finally:
    loop.close()
    sys.stdout.flush()
    sys.stderr.flush()
sys.exit(code)

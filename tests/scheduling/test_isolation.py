import subprocess
import sys


def test_engine_imports_no_web_stack():
    code = (
        "import sys, scheduling, scheduling.engine, scheduling.check;"
        "bad = [m for m in ('flask', 'sqlalchemy', 'board') if m in sys.modules];"
        "print(','.join(bad))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == ""

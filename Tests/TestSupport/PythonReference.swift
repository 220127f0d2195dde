import Foundation

/// The Python interpreter of the venv that holds zarr-python 3, the interop reference.
///
/// Looked up once per test process: `$ZARRWLR_PYTHON` if set, else `.venv/bin/python` in the
/// package root; when that venv is missing or lacks zarr it is created here (`python3 -m venv`,
/// `pip install zarr numpy`), so `swift test` on a fresh clone still runs the interop tests.
public enum PythonReference {
    /// The package's root folder (found from this file's path).
    public static let packageRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    private static let located: Swift.Result<String, ProcessRunner.Failure> = {
        if let configured = ProcessInfo.processInfo.environment["ZARRWLR_PYTHON"], !configured.isEmpty {
            return .success(configured)
        }
        let venv = packageRoot + "/.venv"
        let python = venv + "/bin/python"
        if (try? ProcessRunner.run(python, ["-c", "import zarr, numpy"])) != nil { return .success(python) }
        do {
            try ProcessRunner.run(ProcessRunner.which("python3") ?? "/usr/bin/python3", ["-m", "venv", venv])
            try ProcessRunner.run(python, ["-m", "pip", "install", "--quiet", "zarr>=3,<4", "numpy"])
            return .success(python)
        } catch let failure as ProcessRunner.Failure {
            return .failure(failure)
        } catch {
            return .failure(ProcessRunner.Failure(command: ["python3", "-m", "venv", venv],
                                                  result: .init(status: -1, standardOutput: "", standardError: "\(error)")))
        }
    }()

    /// The interpreter path; throws (so the test fails, never skips) when no venv can be made.
    public static func interpreter() throws -> String {
        try located.get()
    }

    /// Runs a Python script from the tests with `arguments`.
    @discardableResult
    public static func run(script: String, _ arguments: [String]) throws -> ProcessRunner.Result {
        try ProcessRunner.run(try interpreter(), [script] + arguments)
    }
}

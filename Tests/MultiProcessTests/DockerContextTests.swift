import Foundation
import RaglineTestSupport
import Testing

/// The image's build stage, reproduced without a Docker engine: the context is the repository minus
/// `.dockerignore` (docker-py's implementation of Docker's rules), and the stage sees only what it `COPY`s.
@Suite(.serialized) struct DockerContextTests {
    static let dockerfile = (repositoryRoot as NSString).appendingPathComponent("compose/Dockerfile")
    static let python = (repositoryRoot as NSString).appendingPathComponent(".venv-test/bin/python")
    static let script = (repositoryRoot as NSString).appendingPathComponent("scripts/docker-context.py")

    struct Context: Decodable {
        let context: [String]
        let copied: [String]
    }

    /// Runs scripts/docker-context.py for `root`, copying the build stage's files into `out`.
    static func reproduce(root: String, dockerfile: String, into out: String) throws -> Context {
        let (status, output) = try runProgram(python, [script, root, dockerfile, out])
        #expect(status == 0, "docker-context.py failed:\n\(output)")
        let json = output.split(separator: "\n").last.map(String.init) ?? ""
        return try JSONDecoder().decode(Context.self, from: Data(json.utf8))
    }

    @Test func swiftPMLoadsThePackageFromTheBuildStageAlone() throws {
        let directory = try TemporaryDirectory("ragline-docker-context")
        defer { directory.remove() }
        let stage = directory.appending("src")
        let context = try Self.reproduce(root: repositoryRoot, dockerfile: Self.dockerfile, into: stage)
        #expect(context.copied.contains("Package.swift"))
        #expect(context.copied.contains("scripts/install-model.sh"))

        // `swift package describe` checks every target path Package.swift names, test targets included.
        let (status, output) = try runProgram("swift", ["package", "describe", "--type", "json"], directory: stage)
        #expect(status == 0, "the image's build stage cannot load Package.swift:\n\(output.suffix(2_000))")
    }

    @Test func buildContextHoldsNoLocalState() throws {
        // A repository-shaped folder with the local state a developer machine accumulates, at every depth.
        let directory = try TemporaryDirectory("ragline-docker-ignore")
        defer { directory.remove() }
        let root = directory.appending("repo")
        let state = [
            ".venv-test/bin/python", "infra/.venv/bin/python", ".build/debug/ragline", "Tests/.build-x/a",
            "data/index/vectors.bin", "compose/data/x.jsonl", "models/all-MiniLM-L6-v2/model.safetensors",
            "infra/cdk.out/manifest.json", "infra/node_modules/x.js", "Sources/Kafka/__pycache__/x.pyc", "compose/.env",
            ".git/HEAD",
        ]
        let kept = ["Package.swift", "Sources/Kafka/KafkaProducer.swift", "Tests/KafkaTests/T.swift", "examples/knowledge/a.jsonl"]
        for path in state + kept {
            let full = (root as NSString).appendingPathComponent(path)
            try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data("x".utf8).write(to: URL(fileURLWithPath: full))
        }
        try FileManager.default.createDirectory(atPath: root + "/compose", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Self.dockerfile, toPath: root + "/compose/Dockerfile")
        try FileManager.default.copyItem(atPath: repositoryRoot + "/.dockerignore", toPath: root + "/.dockerignore")

        let context = try Self.reproduce(root: root, dockerfile: root + "/compose/Dockerfile", into: directory.appending("stage"))
        for path in state {
            #expect(!context.context.contains(path), "\(path) would enter the build context")
        }
        for path in kept {
            #expect(context.context.contains(path), "\(path) is missing from the build context")
        }
    }

    @Test func builderSwiftIsNewEnoughForEveryResolvedDependency() throws {
        let dockerfile = try String(contentsOfFile: Self.dockerfile, encoding: .utf8)
        let from = try #require(dockerfile.split(separator: "\n").first { $0.hasPrefix("FROM swift:") })
        let tag = from.dropFirst("FROM swift:".count).prefix { $0 != "-" && $0 != " " }
        let builder = try #require(ToolsVersion(tag), "cannot read a Swift version from \(from)")

        // The checkouts of the main build: the same Package.swift resolves the same versions.
        let checkouts = (repositoryRoot as NSString).appendingPathComponent(".build/checkouts")
        let packages = try FileManager.default.contentsOfDirectory(atPath: checkouts).sorted()
        #expect(packages.count > 10, "no resolved dependencies under \(checkouts)")
        for package in packages {
            let folder = (checkouts as NSString).appendingPathComponent(package)
            let manifests = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasPrefix("Package") && $0.hasSuffix(".swift") }
            // SwiftPM uses the newest Package@swift-X.swift not above its own version, else Package.swift.
            let versioned = manifests.compactMap { name -> ToolsVersion? in
                guard name.hasPrefix("Package@swift-") else { return nil }
                return ToolsVersion(name.dropFirst("Package@swift-".count).dropLast(".swift".count))
            }
            if versioned.contains(where: { $0 <= builder }) { continue }
            let manifest = try String(contentsOfFile: folder + "/Package.swift", encoding: .utf8)
            let declared = try #require(ToolsVersion(declaredIn: manifest), "\(package) declares no swift-tools-version")
            #expect(declared <= builder, "\(package) needs swift-tools-version \(declared), the image builds with Swift \(builder)")
        }
    }
}

/// A `swift-tools-version` or toolchain version, compared by major and minor.
struct ToolsVersion: Comparable, CustomStringConvertible {
    let major: Int
    let minor: Int

    init?(_ text: some StringProtocol) {
        let parts = text.split(separator: ".").map { Int($0) }
        guard let major = parts.first ?? nil else { return nil }
        self.major = major
        self.minor = parts.count > 1 ? (parts[1] ?? 0) : 0
    }

    /// Reads the first line, `// swift-tools-version:6.2` (with or without a space after the colon).
    init?(declaredIn manifest: String) {
        guard let line = manifest.split(separator: "\n").first, let colon = line.firstIndex(of: ":") else { return nil }
        self.init(line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
    }

    static func < (lhs: Self, rhs: Self) -> Bool { (lhs.major, lhs.minor) < (rhs.major, rhs.minor) }
    var description: String { "\(major).\(minor)" }
}

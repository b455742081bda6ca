import Foundation
import LightningTestSupport
import Testing

#if os(Linux)
@Suite("Linked libraries")
struct LinkedLibrariesTests {
    /// The shared libraries `ldd` lists for a built product.
    static func libraries(of product: String) throws -> [String] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/ldd")
        process.arguments = [Executable.productsFolder.appendingPathComponent(product).path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "ldd \(product): \(text)")
        return text.split(separator: "\n").compactMap { $0.split(whereSeparator: { $0 == " " || $0 == "\t" }).first.map(String.init) }
    }

    // The whole of Foundation (with its internationalization and ICU) is 6 MB more of every process
    // that loads it, a third of the tool's own footprint: the library and the tool need only
    // FoundationEssentials (which AsyncHTTPClient brings for S3). (service-app is left out: it
    // imports Foundation itself, as a service often does, and so links it.)
    @Test("the tool and an app built on Lightning load FoundationEssentials at most, never the whole of Foundation",
          arguments: ["lightning-checkpoint", "counter-app", "dynamic-app", "churn-app", "train-app"])
    func noFoundation(product: String) throws {
        let libraries = try Self.libraries(of: product)
        #expect(libraries.contains { $0.hasPrefix("libswiftCore") }, "ldd listed no Swift runtime: \(libraries)")
        for whole in ["libFoundation.so", "libFoundationInternationalization.so", "lib_FoundationICU.so"] {
            #expect(!libraries.contains(whole), "\(product) links \(whole)")
        }
    }
}
#endif

import Benchmark
import Lightning

/// What a `@Var` costs: a write goes through the property wrapper's enclosing-instance subscript
/// and sets the component's changed flag. Compared with a plain stored property.
final class VarHolder: LightningWork {
    @Var var counter = 0
    var plain = 0
}

func registerVarBenchmarks() {
    let holder = VarHolder()
    Benchmark("@Var write", configuration: .init(metrics: [.wallClock, .mallocCountTotal], scalingFactor: .mega, thresholds: [:])) { benchmark in
        for _ in benchmark.scaledIterations { holder.counter &+= 1 }
        blackHole(holder.counter)
    }
    Benchmark("plain property write", configuration: .init(metrics: [.wallClock, .mallocCountTotal], scalingFactor: .mega, thresholds: [:])) { benchmark in
        for _ in benchmark.scaledIterations { holder.plain &+= 1 }
        blackHole(holder.plain)
    }
    Benchmark("@Var read", configuration: .init(metrics: [.wallClock, .mallocCountTotal], scalingFactor: .mega, thresholds: [:])) { benchmark in
        var sum = 0
        for _ in benchmark.scaledIterations { sum &+= holder.counter }
        blackHole(sum)
    }
}

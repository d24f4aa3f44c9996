import ArgumentParser
import Nabla

/// The `nabla` command-line tool.
@main
struct NablaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nabla",
        abstract: "Nabla: eager tensors with autograd and compiled graphs, in Swift.",
        subcommands: [TrainCommand.self, EvalCommand.self, PredictCommand.self, ExportCommand.self, InfoCommand.self, BenchCommand.self, DemoCommand.self, EmbedCommand.self]
    )
}

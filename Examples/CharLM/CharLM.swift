import ArgumentParser

/// `char-lm`: character-level language models (an LSTM and a small GPT) trained on the fortune
/// cookie databases of Debian's `fortunes` package, and sampling from them (docs/CHARLM.md).
@main
struct CharLM: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "char-lm",
        abstract: "Character-level language models (LSTM, small GPT) on the fortune cookie corpus.",
        discussion: """
            char-lm train --model lstm --steps 800 --output runs/charlm-lstm
            char-lm sample --checkpoint runs/charlm-lstm --prompt "The " --temperature 0.8 --top-k 10 --length 200
            """,
        subcommands: [TrainCommand.self, SampleCommand.self]
    )
}

/// The two model families.
enum ModelKind: String, ExpressibleByArgument, CaseIterable, Sendable {
    case lstm, gpt
}

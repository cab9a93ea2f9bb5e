// Starts `archwright lsp` (the command in the `archwright.command` setting) for spaCy configs.
const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const [command, ...args] = vscode.workspace.getConfiguration("archwright").get("command");
  const server = { command, args, transport: TransportKind.stdio };
  client = new LanguageClient("archwright", "archwright", server, {
    documentSelector: [{ language: "spacy-config" }, { scheme: "file", pattern: "**/*.cfg" }],
    // sends the `archwright.*` settings on every change (the server also asks for them)
    synchronize: { configurationSection: "archwright" },
  });
  context.subscriptions.push(client);
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };

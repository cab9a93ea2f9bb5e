-- Headless Neovim with `archwright lsp` attached: opens $AW_FILE, waits for the diagnostics, asks
-- for a hover at $AW_HOVER and a completion at $AW_COMPLETE ("line,character", 0-based), and
-- writes what it got to $AW_OUT as JSON. Runs on Neovim 0.7 and later (start_client API).
local function position(spec)
  local line, character = spec:match("(%d+),(%d+)")
  return { line = tonumber(line), character = tonumber(character) }
end

local result = { diagnostics = {}, errors = {} }
local ok, problem = pcall(function()
  vim.cmd("edit " .. vim.fn.fnameescape(vim.env.AW_FILE))
  local buf = vim.api.nvim_get_current_buf()
  local id = vim.lsp.start_client({ name = "archwright", cmd = vim.fn.json_decode(vim.env.AW_CMD),
                                    root_dir = vim.fn.fnamemodify(vim.env.AW_FILE, ":h") })
  vim.lsp.buf_attach_client(buf, id)
  vim.wait(30000, function() return #vim.diagnostic.get(buf) > 0 end, 20)
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    local code = d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code)
    table.insert(result.diagnostics, { code = code, lnum = d.lnum, col = d.col, message = d.message,
                                       severity = d.severity })
  end
  local uri = vim.uri_from_bufnr(buf)
  local hover = vim.lsp.buf_request_sync(buf, "textDocument/hover",
    { textDocument = { uri = uri }, position = position(vim.env.AW_HOVER) }, 20000)
  for _, answer in pairs(hover or {}) do
    if answer.result then result.hover = answer.result.contents.value end
    if answer.err then table.insert(result.errors, answer.err.message) end
  end
  local completion = vim.lsp.buf_request_sync(buf, "textDocument/completion",
    { textDocument = { uri = uri }, position = position(vim.env.AW_COMPLETE) }, 20000)
  result.completion = {}
  for _, answer in pairs(completion or {}) do
    local items = answer.result and (answer.result.items or answer.result) or {}
    for _, item in ipairs(items) do table.insert(result.completion, item.label) end
    if answer.err then table.insert(result.errors, answer.err.message) end
  end
end)
if not ok then table.insert(result.errors, tostring(problem)) end
vim.fn.writefile({ vim.fn.json_encode(result) }, vim.env.AW_OUT)
vim.cmd("qa!")

// Placeholder so the package builds; the mode-symbolicate tool replaces this file.
print("mode-symbolicate: not implemented yet")

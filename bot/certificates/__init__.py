"""Settlement certificates (结清证明): who may have one, issuing, the PDF."""

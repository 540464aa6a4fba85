"""Stage: the data a referee needs to re-estimate every result in another package, each with its codebook."""

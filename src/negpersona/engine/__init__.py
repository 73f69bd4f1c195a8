"""What differs between query engines: sampling, the record hash, backend capabilities."""

using System;

namespace WebSocketProtocol.Extensions.Deflate;

/// <summary>
/// Builds length-limited Huffman code lengths from symbol frequencies, for the compressor's dynamic blocks: a two-queue
/// Huffman construction over the used symbols sorted by frequency; when a code comes out longer than allowed, the
/// frequencies are flattened and the tree rebuilt. Scratch space is fixed, so building allocates nothing.
/// </summary>
internal sealed class HuffmanBuilder
{
    private readonly int[] _weights;
    private readonly int[] _symbols;
    private readonly int[] _leafParents;
    private readonly int[] _nodeWeights;
    private readonly int[] _nodeParents;
    private readonly int[] _depths;

    public HuffmanBuilder(int maxSymbols)
    {
        _weights = new int[maxSymbols];
        _symbols = new int[maxSymbols];
        _leafParents = new int[maxSymbols];
        _nodeWeights = new int[maxSymbols];
        _nodeParents = new int[maxSymbols];
        _depths = new int[maxSymbols];
    }

    /// <summary>
    /// Writes a code length (at most <paramref name="limit"/>) for every symbol with a non-zero frequency and 0 for the
    /// rest. A lone used symbol gets a partner of length 1 too, so every code is complete, as strict inflaters require.
    /// </summary>
    public void BuildLengths(ReadOnlySpan<int> frequencies, Span<byte> lengths, int limit)
    {
        lengths.Clear();
        int count = 0;
        for (int symbol = 0; symbol < frequencies.Length; symbol++)
        {
            if (frequencies[symbol] > 0)
            {
                _symbols[count] = symbol;
                _weights[count] = frequencies[symbol];
                count++;
            }
        }

        if (count == 0)
        {
            return;
        }

        if (count == 1)
        {
            lengths[_symbols[0]] = 1;
            lengths[_symbols[0] == 0 ? 1 : 0] = 1;
            return;
        }

        while (true)
        {
            Array.Sort(_weights, _symbols, 0, count);
            int longest = BuildTree(count);
            if (longest <= limit)
            {
                for (int i = 0; i < count; i++)
                {
                    lengths[_symbols[i]] = (byte)(_depths[_leafParents[i]] + 1);
                }

                return;
            }

            // Too deep: halve the frequencies (keeping each at least 1) and build again; this ends at a balanced tree.
            for (int i = 0; i < count; i++)
            {
                _weights[i] = (_weights[i] >> 1) | 1;
            }
        }
    }

    /// <summary>Joins the two lightest of the sorted leaves and the made nodes until one root is left; returns the longest code.</summary>
    private int BuildTree(int count)
    {
        int leaf = 0;
        int next = 0;
        int nodes = 0;
        for (int join = 0; join < count - 1; join++)
        {
            int weight = 0;
            for (int pick = 0; pick < 2; pick++)
            {
                if (leaf < count && (next >= nodes || _weights[leaf] <= _nodeWeights[next]))
                {
                    weight += _weights[leaf];
                    _leafParents[leaf++] = nodes;
                }
                else
                {
                    weight += _nodeWeights[next];
                    _nodeParents[next++] = nodes;
                }
            }

            _nodeWeights[nodes++] = weight;
        }

        // Nodes were made in order of weight, so every parent comes after its children: walk back from the root.
        _depths[nodes - 1] = 0;
        int deepest = 0;
        for (int node = nodes - 2; node >= 0; node--)
        {
            _depths[node] = _depths[_nodeParents[node]] + 1;
        }

        for (int i = 0; i < count; i++)
        {
            deepest = Math.Max(deepest, _depths[_leafParents[i]] + 1);
        }

        return deepest;
    }
}
